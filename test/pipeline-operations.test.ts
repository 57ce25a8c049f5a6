// Operating the pipeline: graceful stop mid-series, the good path spilling to disk beyond its
// memory budget, and the HTTP status and Prometheus metrics, all with real processes.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt } from './helpers/cli.js';
import { readResults, startPipelineRun, testConfig } from './helpers/pipelineRun.js';

beforeAll(() => assertBuilt());

/** A long series (1000 uint16 frames at `rate` Hz) into a pipeline with one worker per path, left running. */
const longRun = (rate: number) =>
  startPipelineRun({
    simulatorArgs: ['--frames', '1000', '--rate', String(rate), '--dtype', 'uint16'],
    yaml: testConfig('  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 1\n    max_workers: 1'),
    timeoutMs: 120_000,
    once: false,
  });

describe('pipeline operations', () => {
  it('on SIGINT mid-series stops receiving, finishes the frames it has, writes the summary and exits 0', async () => {
    const run = await longRun(40);
    // Let a part of the series through, then interrupt.
    await run.pipeline.waitForStderr(/"msg":"series set up"[\s\S]*"msg":"series set up"/);
    await new Promise((r) => setTimeout(r, 2500));
    run.pipeline.child.kill('SIGINT');
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(result.stderr).toMatch(/stopping: finishing the current series outputs/);
    run.simulator.child.kill('SIGTERM');
    const results = readResults(run.dir);
    const summary = results.find((r) => r.type === 'summary')!;
    expect(summary).toBeDefined();
    expect(summary['complete']).toBe(false);
    const received = summary['received'] as number;
    expect(received).toBeGreaterThan(10);
    expect(received).toBeLessThan(1000);
    // Every frame that came in was processed before the exit, once.
    expect(summary).toMatchObject({ processed: received, lost: 0 });
    const good = results.filter((r) => r.type === 'frame' && r.path === 'good').map((r) => r.frame as number);
    expect(new Set(good).size).toBe(received);
  }, 140_000);

  it('spills the good-path backlog to disk beyond the memory budget and works it off, every frame once', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '150', '--rate', 'max', '--dtype', 'uint16'],
      yaml: '',
      timeoutMs: 150_000,
      once: false,
      configFor: (dir) =>
        testConfig(
          `  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    max_workers: 1\n    memory_budget_mb: 1\n    spill_dir: ${join(dir, 'spill')}`,
        ),
    });
    // While the backlog exists, the status and metrics show it.
    let sawSpill = false;
    let metrics = '';
    for (let i = 0; i < 200 && !sawSpill; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const s = (await (await fetch(run.statusUrl)).json()) as {
        good: { spilledTotal: number; waitingOnDisk: number };
      };
      if (s.good.spilledTotal > 0) {
        sawSpill = true;
        metrics = await (await fetch(run.statusUrl.replace('/status', '/metrics'))).text();
      }
    }
    expect(sawSpill).toBe(true);
    expect(metrics).toMatch(/^sp_frames_received_total \d+/m);
    expect(metrics).toMatch(/^sp_good_spilled_total \d+/m);
    expect(metrics).toMatch(/^sp_workers\{path="good",where="local"\} 1/m);
    await run.pipeline.waitForStderr(/series 1: received 150, processed 150, lost 0/);
    run.pipeline.child.kill('SIGTERM');
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const results = readResults(run.dir);
    const good = results
      .filter((r) => r.type === 'frame' && r.path === 'good')
      .map((r) => r.frame as number)
      .sort((a, b) => a - b);
    expect(good).toEqual(Array.from({ length: 150 }, (_, i) => i));
    // The spill file is gone once drained and the pipeline has stopped.
    const spill = join(run.dir, 'spill');
    expect(existsSync(spill) ? readdirSync(spill) : []).toEqual([]);
  }, 160_000);

  it('grows the local good pool within its bounds while the backlog grows', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '300', '--rate', 'max', '--dtype', 'uint16'],
      yaml: testConfig(
        '  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 2',
      ),
      timeoutMs: 150_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(result.stderr).toMatch(/local good workers 1 -> 2/);
    // Never beyond the bound.
    expect(result.stderr).not.toMatch(/local good workers 2 -> 3/);
    const results = readResults(run.dir);
    expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: 300, processed: 300, lost: 0 });
  }, 160_000);

  it('analyses a V1 series whose header (header_detail none) announces no shape or geometry', async () => {
    const run = await startPipelineRun({
      simulatorArgs: [
        '--frames',
        '30',
        '--rate',
        '30',
        '--dtype',
        'uint32',
        '--header-detail',
        'none',
        '--hit-fraction',
        '1',
      ],
      yaml: testConfig(
        '  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    max_workers: 1',
      ),
      timeoutMs: 120_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const results = readResults(run.dir);
    expect(results.find((r) => r.type === 'summary')).toMatchObject({ received: 30, processed: 30, lost: 0 });
    // The series record says the shape is unknown rather than inventing one.
    expect(results.find((r) => r.type === 'series')).toMatchObject({
      width: null,
      height: null,
      dtype: null,
      radial_q: [],
    });
    const frames = results.filter((r) => r.type === 'frame' && r.path === 'good');
    // Spots are still found; what needs the geometry is left out and flagged.
    expect(frames.every((r) => (r.flags as string[]).includes('no-geometry') && r.d_min === null)).toBe(true);
    expect(frames.filter((r) => r.hit).length).toBeGreaterThan(20);
  }, 140_000);

  it('leaves no local worker behind when the pipeline itself is killed with kill -9', async () => {
    const run = await longRun(20);
    const s = (await (await fetch(run.statusUrl)).json()) as { workers: { pid: number }[] };
    const pids = s.workers.map((w) => w.pid);
    expect(pids).toHaveLength(2);
    run.pipeline.child.kill('SIGKILL');
    await run.pipeline.done;
    run.simulator.child.kill('SIGTERM');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  }, 140_000);
});
