// The whole pipeline with real processes and sockets: simulator -> receiver -> fast and good
// worker pools (child processes) -> collector -> results file.
import { describe, expect, it, beforeAll } from 'vitest';
import { statfsSync } from 'node:fs';
import { assertBuilt, runCli, startCli } from './helpers/cli.js';
import {
  readResults,
  readTruth,
  startPipelineRun,
  status,
  type PipelineStatus,
  type ResultsRecord,
  testConfig,
} from './helpers/pipelineRun.js';

function goodFrames(results: ResultsRecord[]): ResultsRecord[] {
  return results.filter((r) => r.type === 'frame' && r.path === 'good');
}

function summaryOf(results: ResultsRecord[]): Record<string, unknown> {
  const summaries = results.filter((r) => r.type === 'summary');
  expect(summaries).toHaveLength(1);
  return summaries[0]!;
}

/** Every frame 0..n-1 exactly once on the good path. */
function expectEveryFrameOnce(results: ResultsRecord[], n: number): void {
  const frames = goodFrames(results)
    .map((r) => r.frame as number)
    .sort((a, b) => a - b);
  expect(frames).toEqual(Array.from({ length: n }, (_, i) => i));
}

beforeAll(() => assertBuilt());

describe('pipeline end to end', () => {
  it('processes a 2,000-frame series exactly once, agreeing with the simulator truth, while the fast path sheds load', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '2000', '--rate', 'max', '--dtype', 'uint16', '--hit-fraction', '0.1', '--seed', '7'],
      yaml: testConfig(`  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 2\n    max_workers: 2`),
      timeoutMs: 400_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const results = readResults(run.dir);
    expectEveryFrameOnce(results, 2000);
    const summary = summaryOf(results);
    expect(summary).toMatchObject({ received: 2000, processed: 2000, lost: 0, complete: true });
    // The fast path looked at what it could and skipped the rest, counted; it never queued.
    const fast = results.filter((r) => r.type === 'frame' && r.path === 'fast').length;
    expect(summary['processed_fast']).toBe(fast);
    expect(fast + (summary['skipped_fast'] as number)).toBe(2000);
    expect((summary['skipped_fast_reasons'] as Record<string, number>)['busy']).toBeGreaterThan(0);

    // Hit calls against the truth: the simulator's hits carry many spots, its misses none.
    const truth = new Map(readTruth(run.dir).map((t) => [t.frame, t]));
    let agree = 0;
    for (const r of goodFrames(results)) if (r.hit === truth.get(r.frame as number)!.hit) agree++;
    expect(agree / 2000).toBeGreaterThanOrEqual(0.98);
    const trueHits = [...truth.values()].filter((t) => t.hit).length;
    expect(trueHits).toBeGreaterThan(100);
    expect(Math.abs((summary['hits'] as number) - trueHits)).toBeLessThanOrEqual(0.02 * 2000);
    // Spots land where the simulator put them: strong true spots are found within 1.5 px.
    let strong = 0;
    let found = 0;
    for (const r of goodFrames(results).slice(0, 400)) {
      const t = truth.get(r.frame as number)!;
      const spots = r.spots as [number, number, number][];
      for (const s of t.spots.filter((s) => s.intensity > 2000)) {
        strong++;
        if (spots.some(([x, y]) => Math.hypot(x - s.x, y - s.y) < 1.5)) found++;
      }
    }
    expect(strong).toBeGreaterThan(50);
    expect(found / strong).toBeGreaterThanOrEqual(0.95);
    await run.simulator.done;
  }, 420_000);

  it('loses no frame when a good worker is killed with kill -9 mid-series', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '400', '--rate', '60', '--dtype', 'uint32', '--hit-fraction', '0.2'],
      yaml: testConfig(
        `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 2\n    max_workers: 2`,
      ),
      timeoutMs: 200_000,
    });
    // Wait until both good workers are in, and some frames are done, then kill one mid-series.
    let victim = 0;
    for (let i = 0; i < 400 && !victim; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = await status(run.statusUrl).catch(() => null);
      const good = s?.workers.filter((w) => w.path === 'good') ?? [];
      if (good.length === 2 && /"msg":"worker joined"/.test(run.pipeline.stderr)) {
        await new Promise((r) => setTimeout(r, 1500));
        victim = good[0]!.pid;
      }
    }
    expect(victim).toBeGreaterThan(0);
    // Local workers get their frames in shared memory, none over the socket (when /dev/shm has
    // room for their slots: 2 x 4 x 4 MB here).
    const before = await status(run.statusUrl);
    const shm = statfsSync('/dev/shm', { bigint: false });
    if (shm.bavail * shm.bsize >= 64 * 1024 * 1024) {
      expect(before.tasksSent.sharedMemory).toBeGreaterThan(0);
      expect(before.tasksSent.socket).toBe(0);
    } else {
      console.warn('pipeline-e2e: /dev/shm has under 64 MB free; shared-memory transport not checked');
    }
    process.kill(victim, 'SIGKILL');
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    // Its process exited holding frames (a crash, counted against them), or it fell silent first.
    expect(result.stderr).toMatch(/good worker (crashed|gone): redelivering its frames/);
    expect(result.stderr).toMatch(/local worker died; starting another/);
    const results = readResults(run.dir);
    expectEveryFrameOnce(results, 400);
    expect(summaryOf(results)).toMatchObject({ received: 400, processed: 400, lost: 0 });
    // uint32 frames (the uint16 case is the 2,000-frame test): hits called as the truth says.
    const truth = new Map(readTruth(run.dir).map((t) => [t.frame, t.hit]));
    expect([...truth.values()].filter(Boolean).length).toBeGreaterThan(50);
    const agree = goodFrames(results).filter((r) => r.hit === truth.get(r.frame as number)).length;
    expect(agree / 400).toBeGreaterThanOrEqual(0.98);
    await run.simulator.done;
  }, 220_000);

  it('takes work from separately started remote workers, joining after the series began', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '240', '--rate', '30', '--dtype', 'uint16'],
      yaml: testConfig(
        `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n    sampling:\n      every: 2\n  good:\n    workers: 0\n    min_workers: 0\n    max_workers: 0`,
      ),
      timeoutMs: 120_000,
    });
    // The good worker declines shared memory (as one on another machine has none to share);
    // the fast one, on this machine, offers it.
    const worker = startCli(
      ['worker', '--connect', run.workerEndpoint, '--path', 'good', '--shm-slot-mb', '0'],
      120_000,
    );
    await new Promise((r) => setTimeout(r, 700));
    const fastWorker = startCli(['worker', '--connect', run.workerEndpoint, '--path', 'fast'], 120_000);
    let last: PipelineStatus | null = null;
    const polling = setInterval(
      () =>
        void status(run.statusUrl).then(
          (s) => (last = s),
          () => undefined,
        ),
      250,
    );
    const result = await run.pipeline.done;
    clearInterval(polling);
    const sent = (last as PipelineStatus | null)?.tasksSent;
    expect(sent?.socket).toBeGreaterThan(100);
    expect(sent?.sharedMemory).toBeGreaterThan(0);
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stderr).toMatch(
      new RegExp(
        `"pid":${worker.child.pid}[^\\n]*"msg":"worker joined"|"msg":"worker joined"[^\\n]*"pid":${worker.child.pid}`,
      ),
    );
    const results = readResults(run.dir);
    expectEveryFrameOnce(results, 240);
    const summary = summaryOf(results);
    expect(summary).toMatchObject({ received: 240, processed: 240 });
    // Odd frames are sampled out; of the even ones, the first find no fast worker yet, the
    // late-joining one gets the series set-up unasked and then takes frames (the series lasts
    // 8 s, ample for a worker to start and build its tables even on a loaded machine).
    const reasons = summary['skipped_fast_reasons'] as Record<string, number>;
    expect(reasons['sampled-out']).toBe(120);
    expect(reasons['no-workers']).toBeGreaterThan(0);
    expect(summary['processed_fast']).toBeGreaterThan(0);
    expect((summary['processed_fast'] as number) + (summary['skipped_fast'] as number)).toBe(240);
    // The pipeline tells its workers to stop when it exits.
    expect((await worker.done).code).toBe(0);
    expect((await fastWorker.done).code).toBe(0);
    await run.simulator.done;
  }, 140_000);

  it('rejects a bad configuration naming the key and line', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'sp-badcfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'pipeline:\n  good:\n    workers: lots\n');
    const r = await runCli(['--config', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:3: pipeline.good.workers: must be integer, got "lots"`);
  });
});
