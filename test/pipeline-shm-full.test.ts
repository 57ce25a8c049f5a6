// /dev/shm full mid-series: the real pipeline runs in a mount namespace of its own whose
// /dev/shm is a small tmpfs, just large enough for its two good workers' frame slots. Mid-
// series the test fills what is left (and keeps filling whatever is freed), then kills one
// worker so that its replacement must join with no room for slots. The slots that exist keep
// working (their pages were reserved when made, so writing into them cannot fault), the new
// worker's frames go over the socket, the lack of shared memory is logged (naming /dev/shm full
// and the bytes wanted) by the worker and the pipeline, and every frame is processed once.
import { closeSync, openSync, writeSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './helpers/cli.js';
import { readResults, startPipelineRun, status, testConfig, type ResultsRecord } from './helpers/pipelineRun.js';
import { privateShm } from './helpers/tmpfs.js';

beforeAll(() => assertBuilt());

const FRAMES = 300;
/** Two good workers' slots (credit 4 x 4 MB each) and 8 MB to spare, filled mid-series. */
const SHM_MB = 40;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps a file in `dir` growing into whatever room the tmpfs has, until stopped. */
function keepFull(dir: string): { stop(): void; bytes(): number } {
  const fd = openSync(`${dir}/filler`, 'a');
  const chunks = [Buffer.alloc(1 << 20), Buffer.alloc(4096)];
  let bytes = 0;
  const fill = () => {
    for (const chunk of chunks) {
      try {
        for (;;) bytes += writeSync(fd, chunk);
      } catch {
        // ENOSPC: full, for this chunk size.
      }
    }
  };
  fill();
  // Room freed later (a worker's slots, when it dies) is taken before a new worker can start.
  const timer = setInterval(fill, 5);
  return {
    stop: () => {
      clearInterval(timer);
      closeSync(fd);
    },
    bytes: () => bytes,
  };
}

function framesOf(results: ResultsRecord[]): number[] {
  return results
    .filter((r) => r.type === 'frame' && r.path === 'good')
    .map((r) => r['frame'] as number)
    .sort((a, b) => a - b);
}

describe('/dev/shm full mid-series', () => {
  it('sends a new worker its frames over the socket, says why, and loses nothing', async (ctx) => {
    const shm = privateShm(SHM_MB);
    if ('refused' in shm) return ctx.skip(`no private /dev/shm for the full-shm case (${shm.refused})`);
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', String(FRAMES), '--rate', '30', '--dtype', 'uint16', '--hit-fraction', '0.2'],
      yaml: testConfig(
        `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 2\n    min_workers: 2\n    max_workers: 2`,
      ),
      timeoutMs: 200_000,
      once: false,
      spawn: { prefix: shm.prefix },
    });
    let filler: ReturnType<typeof keepFull> | null = null;
    try {
      const goodPids = async () =>
        (await status(run.statusUrl)).workers.filter((w) => w.path === 'good').map((w) => w.pid);
      while ((await goodPids()).length < 2 || (await status(run.statusUrl)).tasksSent.sharedMemory < 20)
        await pause(50);
      const [victim, survivor] = await goodPids();

      // The pipeline's /dev/shm (its namespace's), seen from here through its root.
      filler = keepFull(`/proc/${run.pipeline.child.pid}/root/dev/shm`);
      expect(filler.bytes()).toBeGreaterThan(0);
      const atFill = (await status(run.statusUrl)).tasksSent;
      // Full, the slots that exist still carry frames.
      while ((await status(run.statusUrl)).tasksSent.sharedMemory < atFill.sharedMemory + 20) await pause(50);

      process.kill(victim!, 'SIGKILL');
      let replacement = 0;
      while (!replacement) {
        replacement = (await goodPids()).find((p) => p !== victim && p !== survivor) ?? 0;
        await pause(50);
      }
      while ((await status(run.statusUrl)).tasksSent.socket < 20) await pause(50);

      await run.pipeline.waitForStderr(/series 1: received/);
      const after = await status(run.statusUrl);
      run.pipeline.child.kill('SIGINT');
      const result = await run.pipeline.done;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);

      const results = readResults(run.dir);
      expect(framesOf(results)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
      expect(results.find((r) => r.type === 'summary')).toMatchObject({
        received: FRAMES,
        processed: FRAMES,
        lost: 0,
      });
      expect(after.tasksSent.socket).toBeGreaterThanOrEqual(20);
      expect(after.tasksSent.sharedMemory).toBeGreaterThan(atFill.sharedMemory + 20);
      expect(atFill.socket).toBe(0);

      const lines = result.stderr.split('\n');
      const fromReplacement = lines.filter((l) => l.includes(`"pid":${replacement}`));
      // The new worker says what was wrong, and the pipeline says it too.
      expect(
        fromReplacement.some(
          (l) =>
            l.includes('no shared memory for frames') &&
            /cannot reserve \d+ bytes of shared memory.*\/dev\/shm is full/.test(l),
        ),
        fromReplacement.join('\n'),
      ).toBe(true);
      expect(
        fromReplacement.some(
          (l) => l.includes('worker has no shared memory for frames') && l.includes('/dev/shm is full'),
        ),
      ).toBe(true);
      // Only the worker killed died: nothing faulted on a full /dev/shm.
      expect(result.stderr.match(/local worker died/g)).toHaveLength(1);
    } finally {
      filler?.stop();
    }
    await run.simulator.done;
  }, 240_000);
});
