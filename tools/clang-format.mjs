// clang-format over the C in native/ (style: .clang-format). `--check` reports files that differ
// and fails (npm run lint); without it the files are rewritten (npm run format). Without
// clang-format on the machine (Debian: clang-format, in tools/system-packages.sh test) it says so
// and checks nothing.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const check = process.argv.includes('--check');
const SOURCE_DIRS = ['native/src', 'native/hdf5', 'native/fuzz', 'native/test'];

function sources() {
  const files = [];
  for (const dir of SOURCE_DIRS) {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (/\.(c|h)$/.test(name)) files.push(join(dir, name));
  }
  return files.sort();
}

if (spawnSync('clang-format', ['--version'], { stdio: 'ignore' }).status !== 0) {
  console.warn('clang-format not found: the C in native/ was not checked (apt-get install clang-format)');
  process.exit(0);
}
const args = check ? ['--dry-run', '--Werror', ...sources()] : ['-i', ...sources()];
const r = spawnSync('clang-format', args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
