// A pipeline under attack, for the hostile-peer tests: the real CLI in its own process (a crash
// must not take the test runner with it) with one local fast and one local good worker,
// reading a V2 stream that the test sends from its own PUSH socket. The helpers send a small
// series, wait for its summary in the results file, and read the process's memory, so each
// test can check that the pipeline survived, processed every frame and stayed within bounds.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Push } from 'zeromq';
import { Tag } from 'cbor-x';
import { smallSeriesMessages } from './smallSeries.js';
import { startCli, type CliProcess } from './cli.js';

/** The good path's memory budget in these tests (MB). */
export const BUDGET_MB = 64;

export interface Target {
  dir: string;
  pipeline: CliProcess;
  push: Push;
  workerEndpoint: string;
  httpPort: number;
  resultsPath: string;
}

export async function startTarget(extraPipelineYaml = ''): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-hostile-'));
  const push = new Push({ linger: 0, sendHighWaterMark: 100_000 });
  await push.bind('tcp://127.0.0.1:*');
  const configPath = join(dir, 'pipeline.yaml');
  writeFileSync(
    configPath,
    `pipeline:
  worker_port: 0
  heartbeat_ms: 250
  shared_memory_slot_mb: 4
${extraPipelineYaml}  fast:
    workers: 1
    min_workers: 1
    max_workers: 1
  good:
    workers: 1
    min_workers: 1
    max_workers: 1
    memory_budget_mb: ${BUDGET_MB}
    spill_dir: ${join(dir, 'spill')}
outputs:
  http_port: 0
logging:
  level: info
`,
  );
  const resultsPath = join(dir, 'results.jsonl');
  const pipeline = startCli(
    ['--config', configPath, '--endpoint', push.lastEndpoint!, '--results', resultsPath],
    180_000,
  );
  const m = await pipeline.waitForStderr(/workers join at (tcp:\/\/\S+)\n[^\n]*status at http:\/\/[^:]+:(\d+)\//);
  return { dir, pipeline, push, workerEndpoint: m[1]!.replace(/,$/, ''), httpPort: Number(m[2]), resultsPath };
}

export async function stopTarget(t: Target): Promise<void> {
  t.pipeline.child.kill('SIGTERM');
  await t.pipeline.done;
  t.push.close();
  rmSync(t.dir, { recursive: true, force: true });
}

export function alive(t: Target): boolean {
  return t.pipeline.child.exitCode === null && t.pipeline.child.signalCode === null;
}

/** A process's resident memory in MB (the pipeline's by default). */
export function rssMb(t: Target, pid = t.pipeline.child.pid!): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** A 2-D uint32 array message value (tag 40 around a little-endian typed array, tag 70). */
export function uint32Image(width: number, height: number): Tag {
  return new Tag([[height, width], new Tag(new Uint8Array(width * height * 4), 70)], 40);
}

/** The messages of a series of `frames` images; `start` adds or overrides start fields. */
export function seriesMessages(series: number, frames: number, start: Record<string, unknown> = {}) {
  return smallSeriesMessages(series, frames, { start });
}

/** Sends a series of `frames` images under detector series id `series`. */
export async function sendSeries(t: Target, series: number, frames: number): Promise<void> {
  const m = seriesMessages(series, frames);
  await t.push.send(m.start);
  for (const image of m.images) await t.push.send(image);
  await t.push.send(m.end);
}

export interface ResultsLine {
  type: string;
  [key: string]: unknown;
}

export function readResults(t: Target): ResultsLine[] {
  if (!existsSync(t.resultsPath)) return [];
  // Only complete lines: the pipeline may be writing the last one.
  const lines = readFileSync(t.resultsPath, 'utf8').split('\n').slice(0, -1);
  return lines.map((l) => JSON.parse(l) as ResultsLine);
}

/** Waits for the summary of detector series `series` in the results file. */
export async function summaryOf(t: Target, series: number, ms = 60_000): Promise<ResultsLine> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = readResults(t).find((r) => r.type === 'summary' && r['series'] === series);
    if (s) return s;
    if (!alive(t))
      throw new Error(`pipeline died before series ${series} was summarised:\n${t.pipeline.stderr.slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`no summary for series ${series} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Names what is wrong with a results-file record, or returns null when it is well-formed. */
export function recordProblem(r: ResultsLine): string | null {
  if (r.type === 'series' || r.type === 'summary') return null;
  if (r.type !== 'frame') return `unknown record type ${String(r.type)}`;
  const int = (k: string) => Number.isInteger(r[k]) && (r[k] as number) >= 0;
  for (const k of ['series', 'frame', 'n_spots', 'n_spots_no_ice', 'n_spots_4A', 'saturated_pixels'])
    if (!int(k)) return `${k} is ${JSON.stringify(r[k])}`;
  if (typeof r['hit'] !== 'boolean') return `hit is ${JSON.stringify(r['hit'])}`;
  if (r['path'] !== 'good' && r['path'] !== 'fast') return `path is ${JSON.stringify(r['path'])}`;
  if (!Array.isArray(r['flags']) || !(r['flags'] as unknown[]).every((f) => typeof f === 'string'))
    return `flags are ${JSON.stringify(r['flags'])}`;
  if (r['d_min'] !== null && !(typeof r['d_min'] === 'number' && r['d_min'] > 0))
    return `d_min is ${JSON.stringify(r['d_min'])}`;
  if (Array.isArray(r['spots']) && (r['spots'] as unknown[]).length > 20_000) return 'too many spots';
  return null;
}

/** Sends a series and checks what every test checks: the series was summarised with every
 * frame processed and none lost, and every record in the results file is well-formed. */
export async function expectHealthySeries(t: Target, series: number, frames = 16): Promise<ResultsLine> {
  await sendSeries(t, series, frames);
  const summary = await summaryOf(t, series);
  const problems = readResults(t)
    .map(recordProblem)
    .filter((p) => p !== null);
  if (problems.length > 0) throw new Error(`malformed records: ${problems.slice(0, 5).join('; ')}`);
  return summary;
}
