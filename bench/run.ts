// `npm run bench`: runs every benchmark suite in bench/ (files named *.bench.ts, each with a
// default export `(report) => Promise<void>`) and prints each figure next to its reference,
// measured in the same run, as a ratio. Results also go to bench/results/latest.json.
// Run some suites only with `npm run bench -- decode receive` (file names without .bench.ts).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { BenchReport } from './report.js';

type Suite = (report: BenchReport) => Promise<void>;

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const here = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.js'))
    .sort();
  const report = new BenchReport();
  for (const file of files) {
    const name = file.replace(/\.bench\.js$/, '');
    if (wanted.length > 0 && !wanted.includes(name)) continue;
    process.stdout.write(`\n== ${name} ==\n`);
    const suite = (await import(join(here, file))) as { default: Suite };
    await suite.default(report);
  }
  report.writeJson(join(here, '..', '..', 'bench', 'results', 'latest.json'));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
