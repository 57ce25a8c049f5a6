// The pipeline's own death: killed with kill -9 mid-series and started again, it takes the
// series up from its state directory. Every image the second life receives is processed; the
// images neither life finished are named in the summary (lost, 'pipeline-restart'); nothing is
// processed twice. A damaged or foreign state file is reported and ignored.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startCli, type CliProcess } from './helpers/cli.js';
import { testConfig, type ResultsRecord } from './helpers/pipelineRun.js';

beforeAll(() => assertBuilt());

interface PipelineStatusView {
  workers: { path: string; pid: number }[];
  receiver: { frames: number } | null;
  journal: { pending: number } | null;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POOLS = `  fast:\n    workers: 1\n    min_workers: 1\n    max_workers: 1\n  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 1`;

/** The test's pipeline configuration, with its state directory (and `outputs` lines). */
function writeConfig(dir: string, stateDir: string, outputs = ''): void {
  writeFileSync(
    join(dir, 'pipeline.yaml'),
    testConfig(POOLS)
      .replace('pipeline:\n', `pipeline:\n  state_dir: ${stateDir}\n`)
      .replace('outputs:\n', `outputs:\n${outputs}`),
  );
}

function readRecords(path: string): ResultsRecord[] {
  if (!existsSync(path)) return [];
  const out: ResultsRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as ResultsRecord);
    } catch {
      // the torn last line of the killed life
    }
  }
  return out;
}

const goodFrames = (records: ResultsRecord[]) =>
  records.filter((r) => r.type === 'frame' && r.path === 'good').map((r) => r['frame'] as number);

/** "3-5,9" for [3,4,5,9]. */
function ranges(sorted: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return out.join(',');
}

function startPipeline(dir: string, endpoint: string, once: boolean): CliProcess {
  return startCli(
    [
      '--config',
      join(dir, 'pipeline.yaml'),
      '--endpoint',
      endpoint,
      '--results',
      join(dir, 'results.jsonl'),
      ...(once ? ['--once'] : []),
    ],
    180_000,
  );
}

async function waitFor(what: string, test: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(50);
  }
}

describe('the pipeline killed with kill -9 mid-series', () => {
  it('takes the series up after a restart: every image after it is processed, the missing ones are named', async () => {
    const N = 500;
    const dir = mkdtempSync(join(tmpdir(), 'sp-restart-'));
    const stateDir = join(dir, 'state');
    const hits = join(dir, 'hits');
    writeConfig(dir, stateDir, `  hdf5:\n    directory: ${hits}\n    frames_per_file: 20\n`);
    // A 4M series at 50 Hz: the detector goes on while the pipeline is down (its PUSH socket
    // waits for a reader), as a DCU does.
    const simulator = startCli(
      ['simulate', '--bind', 'tcp://127.0.0.1:*', '--frames', String(N), '--rate', '50', '--seed', '13'],
      180_000,
    );
    const endpoint = await simulator.listeningEndpoint();
    const first = startPipeline(dir, endpoint, false);
    const results = join(dir, 'results.jsonl');
    await waitFor('150 good results of the first life', () => goodFrames(readRecords(results)).length >= 150);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // The state of the open series survived the death.
    expect(readdirSync(stateDir).filter((f) => f.endsWith('.header'))).toHaveLength(1);
    const beforeRestart = new Set(goodFrames(readRecords(results)));

    const second = startPipeline(dir, endpoint, true);
    const done = await second.done;
    expect(done.code, done.stderr.slice(-3000)).toBe(0);
    expect(done.stderr).toMatch(/taking up series 1 \(run 1\) after a restart: \d+ images were finished before it/);
    await simulator.done;

    const records = readRecords(results);
    const frames = goodFrames(records);
    // Nothing processed twice, over both lives.
    expect(new Set(frames).size).toBe(frames.length);
    const summaries = records.filter((r) => r.type === 'summary');
    expect(summaries).toHaveLength(1);
    const summary = summaries[0]!;
    const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !frames.includes(i));
    // The summary names exactly the images with no result, under the restart's reason.
    expect(summary['restart']).toEqual({ restarts: 1, lost_images: ranges(missing) });
    expect(summary['lost_reasons']).toEqual(missing.length > 0 ? { 'pipeline-restart': missing.length } : {});
    expect((summary['processed'] as number) + (summary['lost'] as number)).toBe(N);
    expect(summary['processed']).toBe(frames.length);
    // What is missing is what was in flight around the kill: the images the second life
    // received, up to the end of the series, are all there.
    const lastMissing = missing.at(-1) ?? -1;
    for (let i = lastMissing + 1; i < N; i++) expect(frames).toContain(i);
    expect(lastMissing).toBeLessThan(N - 50);
    // The first life's results stand (nothing before the kill was dropped or redone).
    for (const f of beforeRestart) expect(frames.filter((x) => x === f)).toHaveLength(1);
    // A series record marks where the second life took the series up.
    const series = records.filter((r) => r.type === 'series');
    expect(series.map((r) => r['resumed'] ?? false)).toEqual([false, true]);
    // The hit files go on under a prefix of their own (the first life's files stay as they are):
    // they hold every hit the second life processed.
    const secondLifeHits = records.filter(
      (r) => r.type === 'frame' && r.path === 'good' && r['hit'] === true && !beforeRestart.has(r['frame'] as number),
    ).length;
    const files = summary['hit_files'] as { master: string; hits_written: number; not_written: number };
    expect(files.master).toMatch(/stream-pipeline_1_2_master\.h5$/);
    expect(existsSync(files.master)).toBe(true);
    expect(files.hits_written).toBe(secondLifeHits);
    expect(files.not_written).toBe(0);
    // The summarised series leaves nothing to take up.
    expect(readdirSync(stateDir).filter((f) => f.startsWith('run-'))).toEqual([]);
  }, 240_000);

  it('with the journal: every image the first life received is in the results exactly once, only those in transit are missing', async () => {
    const N = 500;
    const dir = mkdtempSync(join(tmpdir(), 'sp-restart-journal-'));
    const stateDir = join(dir, 'state');
    const journalDir = join(dir, 'journal');
    writeConfig(dir, stateDir);
    const simulator = startCli(
      ['simulate', '--bind', 'tcp://127.0.0.1:*', '--frames', String(N), '--rate', '50', '--seed', '17'],
      180_000,
    );
    const endpoint = await simulator.listeningEndpoint();
    const results = join(dir, 'results.jsonl');
    const first = startCli(
      ['--config', join(dir, 'pipeline.yaml'), '--endpoint', endpoint, '--results', results, '--journal', journalDir],
      180_000,
    );
    const statusUrl = (await first.waitForStderr(/status at (http:\/\/\S+)/))[1]!;
    const status = async () => (await (await fetch(statusUrl)).json()) as PipelineStatusView;
    await waitFor('100 good results of the first life', () => goodFrames(readRecords(results)).length >= 100);
    // The good worker stops (as if swapped out): frames pile up received, journaled, unfinished.
    const workers = (await status()).workers;
    const good = workers.find((w) => w.path === 'good')!;
    process.kill(good.pid, 'SIGSTOP');
    let backlog = 0;
    for (const deadline = Date.now() + 60_000; backlog < 60 && Date.now() < deadline; await pause(50)) {
      backlog = (await status()).journal!.pending;
    }
    expect(backlog).toBeGreaterThanOrEqual(60);
    // Images arrive in order: all of 0..received-1 had arrived when the pipeline died.
    const received = (await status()).receiver!.frames;
    first.child.kill('SIGKILL');
    // The stopped worker would never notice (its output pipe is the test's: wait for it too).
    for (const w of workers) process.kill(w.pid, 'SIGKILL');
    await first.done;
    const unfinishedAtKill = received - new Set(goodFrames(readRecords(results))).size;
    expect(unfinishedAtKill).toBeGreaterThanOrEqual(60);

    const second = startCli(
      [
        '--config',
        join(dir, 'pipeline.yaml'),
        '--endpoint',
        endpoint,
        '--results',
        results,
        '--journal',
        journalDir,
        '--once',
      ],
      180_000,
    );
    const done = await second.done;
    expect(done.code, done.stderr.slice(-3000)).toBe(0);
    const replayed = Number(
      /journal: read \d+ segments of an earlier life, (\d+) frames to work off/.exec(done.stderr)?.[1],
    );
    expect(replayed).toBeGreaterThanOrEqual(unfinishedAtKill);
    await simulator.done;

    const records = readRecords(results);
    const frames = goodFrames(records);
    expect(new Set(frames).size).toBe(frames.length);
    for (let i = 0; i < received; i++) expect(frames).toContain(i);
    const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !frames.includes(i));
    const summary = records.find((r) => r.type === 'summary')!;
    expect(summary['restart']).toEqual({ restarts: 1, lost_images: ranges(missing) });
    expect((summary['processed'] as number) + (summary['lost'] as number)).toBe(N);
    // What is missing was in transit in the sockets when the pipeline died: one run of images,
    // after all it had received, no more than the queues between detector and pipeline hold.
    expect(ranges(missing).split(',').filter(Boolean).length).toBeLessThanOrEqual(1);
    if (missing.length > 0) expect(missing[0]).toBeGreaterThanOrEqual(received);
    expect(missing.length).toBeLessThanOrEqual(250);
    // The journal is empty once everything is done.
    expect(readdirSync(journalDir)).toEqual([]);
  }, 240_000);

  it('reports a damaged or foreign state file and ignores it, processing the next series as usual', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-restart-bad-'));
    const stateDir = join(dir, 'state');
    writeConfig(dir, stateDir);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(stateDir, { mode: 0o700 });
    writeFileSync(join(stateDir, 'run-000001.json'), '{"format": "stream-pipeline-series-state", "vers');
    writeFileSync(
      join(stateDir, 'run-000002.json'),
      JSON.stringify({
        format: 'stream-pipeline-series-state',
        version: 1,
        name: 'another-beamline',
        run: 2,
        series: 7,
        seriesUniqueId: null,
        startedAt: new Date().toISOString(),
        results: null,
        ended: false,
        complete: false,
      }),
    );
    writeFileSync(join(stateDir, 'run-000003.json'), JSON.stringify({ format: 'something-else' }));
    const simulator = startCli(['simulate', '--bind', 'tcp://127.0.0.1:*', '--frames', '40', '--rate', '100'], 120_000);
    const endpoint = await simulator.listeningEndpoint();
    const run = startPipeline(dir, endpoint, true);
    const done = await run.done;
    expect(done.code, done.stderr.slice(-3000)).toBe(0);
    expect(done.stderr).toMatch(/ignoring state file \S+run-000001\.json: it is no JSON state record/);
    expect(done.stderr).toMatch(/ignoring state file \S+run-000002\.json: it belongs to set-up \\?"another-beamline/);
    expect(done.stderr).toMatch(
      /ignoring state file \S+run-000003\.json: it is no stream-pipeline-series-state record/,
    );
    const records = readRecords(join(dir, 'results.jsonl'));
    const summary = records.find((r) => r.type === 'summary')!;
    expect(summary['lost']).toBe(0);
    expect(summary['processed']).toBe(40);
    expect(summary['restart']).toBeUndefined();
  }, 120_000);

  it("keeps a second pipeline of the same state directory from taking up the first one's series", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-restart-lock-'));
    const stateDir = join(dir, 'state');
    writeConfig(dir, stateDir);
    const simulator = startCli(['simulate', '--bind', 'tcp://127.0.0.1:*', '--frames', '20', '--rate', '50'], 120_000);
    const endpoint = await simulator.listeningEndpoint();
    const first = startPipeline(dir, endpoint, true);
    await first.waitForStderr(/workers join at/);
    const second = startPipeline(dir, 'tcp://127.0.0.1:1', false);
    await second.waitForStderr(/state directory \S+ is in use by pipeline process (\d+)/);
    second.child.kill('SIGTERM');
    await second.done;
    const done = await first.done;
    expect(done.code, done.stderr.slice(-3000)).toBe(0);
    expect(existsSync(join(stateDir, 'lock'))).toBe(false);
  }, 120_000);
});
