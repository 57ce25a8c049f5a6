// Bundles the live-feedback page (src/dashboard/page) for the pipeline's HTTP server:
// index.html, dashboard.js (the page with uPlot, minified), dashboard.css (uPlot's styles, then
// the page's) and assets.json, the manifest the server serves them by. Everything comes from
// node_modules: no network, no CDN at build time or in the browser.
//   node tools/build-dashboard.mjs [--out DIR]     (default: dist/dashboard)
import { build, transform } from 'esbuild';
import { Buffer } from 'node:buffer';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const PAGE = join(ROOT, 'src', 'dashboard', 'page');
const require = createRequire(import.meta.url);

const MANIFEST = {
  files: {
    '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
    '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
    '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  },
};

async function main() {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const out = resolve(values.out ?? join(ROOT, 'dist', 'dashboard'));
  const uplot = require('uplot/package.json');
  // uPlot is MIT: its notice travels with the code it is bundled into.
  const notice = `/*! uPlot ${uplot.version} (c) Leon Sorokin, MIT License */`;
  const [js, css, html] = await Promise.all([bundleScript(notice), bundleStyles(notice), pageHtml()]);
  for (const [name, text] of [
    ['dashboard.js', js],
    ['dashboard.css', css],
  ]) {
    // A map reference would send browsers after a file the server does not have.
    if (/sourceMappingURL/.test(text)) throw new Error(`${name}: has a source-map reference`);
  }
  await mkdir(out, { recursive: true });
  await Promise.all([
    writeFile(join(out, 'dashboard.js'), js),
    writeFile(join(out, 'dashboard.css'), css),
    writeFile(join(out, 'index.html'), html),
    writeFile(join(out, 'assets.json'), JSON.stringify(MANIFEST, null, 2) + '\n'),
  ]);
  console.log(`dashboard: ${relative(process.cwd(), out) || '.'} (js ${kb(js)}, css ${kb(css)}, html ${kb(html)})`);
}

async function bundleScript(notice) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(PAGE, 'main.ts')],
    tsconfig: join(PAGE, 'tsconfig.json'),
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: false,
    legalComments: 'none',
    banner: { js: notice },
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  checkInputs(Object.keys(result.metafile.inputs));
  return result.outputFiles[0].text;
}

/** The page imports the contract's types only; any server module in the bundle is a mistake
 * (it would also drag Node code into the browser). uPlot may sit outside the tree when
 * node_modules is a link (a worktree sharing another checkout's). */
function checkInputs(inputs) {
  const allowed = [/^src\/dashboard\/page\//, /(^|\/)node_modules\/uplot\//];
  const stray = inputs.filter((i) => !allowed.some((re) => re.test(i)));
  if (stray.length > 0) throw new Error(`dashboard bundle: unexpected inputs ${stray.join(', ')}`);
}

async function bundleStyles(notice) {
  const [theirs, ours] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFile(join(PAGE, 'dashboard.css'), 'utf8'),
  ]);
  // uPlot's first, so the page's rules win where both style the same element.
  const { code } = await transform(`${theirs}\n${ours}`, { loader: 'css', minify: true, legalComments: 'none' });
  return `${notice}\n${code}`;
}

/** index.html without its comments and indentation; refused if it holds anything the server's
 * CSP would block (inline scripts, style elements or attributes). */
async function pageHtml() {
  const html = await readFile(join(PAGE, 'index.html'), 'utf8');
  const inline = [/<script(?![^>]*\ssrc=)[^>]*>/i, /<style[\s>]/i, /\sstyle\s*=/i, /\son[a-z]+\s*=/i];
  const bad = inline.find((re) => re.test(html));
  if (bad) throw new Error(`index.html: ${bad} would be blocked by the content security policy`);
  return (
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .join('\n') + '\n'
  );
}

function kb(text) {
  return `${(Buffer.byteLength(text) / 1024).toFixed(1)} kB`;
}

main().catch((err) => {
  console.error(`build-dashboard: ${err.message}`);
  process.exit(1);
});
