// Nothing piles up over series: after the fourth of four series the pipeline holds no more open
// files, shared-memory regions, child processes or spill segments than after the first. Counts,
// read from /proc and /dev/shm while the pipeline runs, not times.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from './helpers/cli.js';
import { startPipelineRun, testConfig } from './helpers/pipelineRun.js';

beforeAll(() => assertBuilt());

interface Holdings {
  fds: number;
  shm: number;
  children: number;
  spillFiles: number;
}

/** What the pipeline process holds now: its open descriptors, our /dev/shm names, its children. */
function holdings(pid: number, spillDir: string): Holdings {
  const children = readdirSync('/proc').filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
    } catch {
      return false;
    }
  });
  const shm = existsSync('/dev/shm')
    ? readdirSync('/dev/shm').filter((n) => n.startsWith('stream-pipeline-')).length
    : 0;
  return {
    fds: readdirSync(`/proc/${pid}/fd`).length,
    shm,
    children: children.length,
    spillFiles: existsSync(spillDir) ? readdirSync(spillDir).length : 0,
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('over several series', () => {
  it('holds no more descriptors, shared memory, children or spill segments after the fourth than after the first', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '60', '--rate', 'max', '--series-count', '4', '--dtype', 'uint16', '--seed', '51'],
      yaml: '',
      // A small budget, so the backlog spills and its segments must go again.
      configFor: (dir) =>
        testConfig(
          `  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 1\n    max_workers: 1\n    memory_budget_mb: 16\n    spill_dir: ${join(dir, 'spill')}`,
        ),
      timeoutMs: 300_000,
      once: false,
    });
    const spillDir = join(run.dir, 'spill');
    const pid = run.pipeline.child.pid!;
    const after: Holdings[] = [];
    for (let series = 1; series <= 4; series++) {
      await run.pipeline.waitForStderr(new RegExp(`series ${series}: received`));
      await pause(500); // the summary's files and the spill's last segment are closed by now
      after.push(holdings(pid, spillDir));
    }
    const spilled = ((await (await fetch(run.statusUrl)).json()) as { good: { spilledTotal: number } }).good
      .spilledTotal;
    run.pipeline.child.kill('SIGINT');
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const [first, , , last] = after as [Holdings, Holdings, Holdings, Holdings];
    expect(last.fds).toBeLessThanOrEqual(first.fds);
    expect(last.shm).toBeLessThanOrEqual(first.shm);
    expect(last.children).toBe(first.children);
    // The backlog spilled, and once worked off its segments are gone.
    expect(spilled).toBeGreaterThan(0);
    expect(last.spillFiles).toBe(0);
    expect(result.stderr.match(/series \d: received 60, processed 60, lost 0/g)).toHaveLength(4);
    await run.simulator.done;
  }, 320_000);
});
