// A worker busy inside one long synchronous call is not a dead one: the real pipeline, with
// its one good worker started by its supervisor, streams a series in which three frames each
// hold the worker's main thread for over three liveness windows (a test-only hook busy-waits
// in the analysis call, as a long native call would). Its pulse thread keeps it a member: it
// is never declared dead, nothing is redelivered, every frame is processed exactly once. The
// same run with the pulse thread turned off does declare it dead, so the first can fail.
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './helpers/cli.js';
import { readResults, startPipelineRun, status, testConfig, type ResultsRecord } from './helpers/pipelineRun.js';
import { BUSY_FRAMES_ENV, NO_PULSES_ENV } from '../src/stages/worker/testHooks.js';

beforeAll(() => assertBuilt());

const FRAMES = 150;
const BUSY = [20, 70, 120];
/** 10 heartbeats of 250 ms: over three times the broker's liveness window (3 heartbeats). */
const BUSY_MS = 2500;

function framesOf(results: ResultsRecord[]): number[] {
  return results
    .filter((r) => r.type === 'frame' && r.path === 'good')
    .map((r) => r['frame'] as number)
    .sort((a, b) => a - b);
}

/** One series through a pipeline whose only good worker blocks on the BUSY frames. */
async function runBlocked(env: NodeJS.ProcessEnv) {
  const run = await startPipelineRun({
    simulatorArgs: ['--frames', String(FRAMES), '--rate', '50', '--dtype', 'uint16', '--hit-fraction', '0.2'],
    yaml: testConfig(
      `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 1`,
    ),
    timeoutMs: 120_000,
    once: false,
    spawn: { env: { [BUSY_FRAMES_ENV]: `${BUSY.join(',')}:${BUSY_MS}`, ...env } },
  });
  await run.pipeline.waitForStderr(/series 1: received/);
  const after = await status(run.statusUrl);
  run.pipeline.child.kill('SIGINT');
  const result = await run.pipeline.done;
  await run.simulator.done;
  expect(result.code, result.stderr.slice(-3000)).toBe(0);
  const results = readResults(run.dir);
  // Whatever happened to the worker, no frame is lost or given twice.
  expect(framesOf(results)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
  expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: FRAMES, processed: FRAMES, lost: 0 });
  // The hook did block the worker, once per busy frame.
  expect(result.stderr.match(/test hook: analysis held busy/g)).toHaveLength(BUSY.length);
  return { status: after, stderr: result.stderr };
}

describe('a worker blocked in a long analysis call', () => {
  it('stays a member through its pulses: never declared dead, nothing redelivered, every frame once', async () => {
    const { status: s, stderr } = await runBlocked({});
    expect(stderr).not.toMatch(/silent for 3 heartbeats|joined again|held a frame|lost the broker/);
    expect(s.good.redelivered).toBe(0);
    expect(s.good.duplicates).toBe(0);
    expect(s.workersTimedOut).toBe(0);
    expect(s.badWorkerMessages).toBe(0);
  }, 150_000);

  it('is declared dead, its frames redelivered, when its pulse thread is off (the case above can fail)', async () => {
    const { status: s, stderr } = await runBlocked({ [NO_PULSES_ENV]: '1' });
    expect(stderr).toMatch(/silent for 3 heartbeats/);
    expect(s.good.redelivered).toBeGreaterThan(0);
  }, 150_000);
});
