// A slow worker is not a dead one. A good worker stopped (SIGSTOP) past the heartbeat window,
// again and again while it holds frames, is declared gone each time and comes back: its frames
// go to the other worker and cost nothing, its late answers are dropped; and a series run while
// other processes keep every core busy is processed exactly once. Only a worker process that
// crashes holding a frame counts against that frame.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startCli } from './helpers/cli.js';
import { mountTmpfs, unmount } from './helpers/tmpfs.js';
import { readResults, startPipelineRun, status, testConfig, type ResultsRecord } from './helpers/pipelineRun.js';

const hogs: ChildProcess[] = [];
afterEach(() => {
  for (const h of hogs.splice(0)) h.kill('SIGKILL');
});
beforeAll(() => assertBuilt());

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectEveryFrameOnce(results: ResultsRecord[], n: number): void {
  const frames = results
    .filter((r) => r.type === 'frame' && r.path === 'good')
    .map((r) => r['frame'] as number)
    .sort((a, b) => a - b);
  expect(frames).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('a slow worker is not a dead one', () => {
  it('loses nothing when the only good worker is stopped past the heartbeat window five times holding frames', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '300', '--rate', '40', '--dtype', 'uint16', '--hit-fraction', '0.2', '--seed', '41'],
      yaml: testConfig(
        `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 1`,
      ),
      timeoutMs: 240_000,
    });
    const goodPid = async () => {
      for (;;) {
        const w = (await status(run.statusUrl)).workers.filter((x) => x.path === 'good');
        if (w.length >= 1) return w[0]!.pid;
        await pause(50);
      }
    };
    const pid = await goodPid();
    let stops = 0;
    for (let i = 0; i < 5; i++) {
      await pause(400);
      if (run.pipeline.child.exitCode !== null) break;
      process.kill(pid, 'SIGSTOP');
      await pause(1500); // 6 heartbeats of 250 ms: declared gone; its frames wait for it
      process.kill(pid, 'SIGCONT');
      stops++;
    }
    expect(stops).toBeGreaterThanOrEqual(4);
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stderr).toMatch(/silent for 3 heartbeats/);
    const results = readResults(run.dir);
    expectEveryFrameOnce(results, 300);
    expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: 300, processed: 300, lost: 0 });
    await run.simulator.done;
  }, 300_000);

  it('processes every frame exactly once while other processes keep every core busy', async () => {
    for (let i = 0; i < 4; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '300', '--rate', '60', '--dtype', 'uint16', '--hit-fraction', '0.2', '--seed', '42'],
      yaml: testConfig(
        `  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 2\n    max_workers: 2`,
      ).replace('heartbeat_ms: 250', 'heartbeat_ms: 100'),
      timeoutMs: 400_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const results = readResults(run.dir);
    expectEveryFrameOnce(results, 300);
    expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: 300, processed: 300, lost: 0 });
    await run.simulator.done;
  }, 420_000);
});

describe('a stalled link is not a dead worker', () => {
  it('loses nothing when the link to a remote good worker stops forwarding for a while, twice', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '240', '--rate', '30', '--dtype', 'uint16', '--hit-fraction', '0.2', '--seed', '43'],
      yaml: testConfig(
        `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 1`,
      ),
      timeoutMs: 240_000,
    });
    // A proxy in front of the worker port that can stop forwarding (a stalled switch, a hung NFS
    // client...) without closing anything.
    const target = new URL(run.workerEndpoint.replace('tcp://', 'http://'));
    let stalled = false;
    const pairs: [Socket, Socket][] = [];
    const proxy = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      pairs.push([client, upstream]);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (d) => {
          if (!stalled) to.write(d);
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const port = (proxy.address() as { port: number }).port;
    const remote = startCli(['worker', '--connect', `tcp://127.0.0.1:${port}`, '--path', 'good'], 240_000);
    try {
      for (let i = 0; i < 2; i++) {
        await pause(2500);
        stalled = true; // bytes sent meanwhile are dropped, as a stalled link's would be lost to its peer
        await pause(2000);
        stalled = false;
      }
      const result = await run.pipeline.done;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      const results = readResults(run.dir);
      expectEveryFrameOnce(results, 240);
      expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: 240, processed: 240, lost: 0 });
      // The remote worker did take part, and was let go while the link stalled.
      const lines = result.stderr.split('\n').filter((l) => l.includes(`"pid":${remote.child.pid}`));
      expect(lines.some((l) => l.includes('worker joined'))).toBe(true);
      expect(lines.some((l) => l.includes('worker left') && l.includes('silent for 3 heartbeats'))).toBe(true);
    } finally {
      remote.child.kill('SIGKILL');
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      proxy.close();
    }
    await run.simulator.done;
  }, 300_000);
});

describe('a full spill disk', () => {
  it('keeps the frames the disk refuses in memory beyond the budget, counted, and loses none', async (ctx) => {
    const spill = mkdtempSync(join(tmpdir(), 'sp-spillfull-'));
    const why = mountTmpfs(spill, 'size=6m,mode=0700');
    if (why) return ctx.skip(`no small tmpfs for the full-spill case (${why})`);
    try {
      const run = await startPipelineRun({
        simulatorArgs: ['--frames', '60', '--rate', '60', '--dtype', 'uint16', '--hit-fraction', '0.2', '--seed', '44'],
        yaml: testConfig(
          `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 1\n    memory_budget_mb: 12\n    spill_dir: ${spill}`,
        ),
        timeoutMs: 240_000,
        once: false,
      });
      let kept = 0;
      let spilled = 0;
      while (!/series 1: received/.test(run.pipeline.stderr)) {
        const s = (await (await fetch(run.statusUrl)).json()) as {
          good: { keptOverBudget: number; spilledTotal: number };
        };
        kept = s.good.keptOverBudget;
        spilled = s.good.spilledTotal;
        await pause(100);
      }
      run.pipeline.child.kill('SIGINT');
      const result = await run.pipeline.done;
      expect(result.code, result.stderr.slice(-3000)).toBe(0);
      expect(spilled).toBeGreaterThan(0); // the disk took some...
      expect(kept).toBeGreaterThan(0); // ...then refused, and memory held the rest
      const results = readResults(run.dir);
      expectEveryFrameOnce(results, 60);
      expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: 60, processed: 60, lost: 0 });
    } finally {
      unmount(spill);
      rmSync(spill, { recursive: true, force: true });
    }
  }, 300_000);
});
