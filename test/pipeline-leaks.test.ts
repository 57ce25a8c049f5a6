// Nothing piles up over series: after the fourth of four series the pipeline holds no more open
// files, shared-memory regions, child processes, spill segments, journal segments or series
// state files than after the first. Counts, read from /proc, /dev/shm and the directories while
// the pipeline runs, not times.
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
  journalSegments: number;
  stateFiles: number;
}

/** What the pipeline process holds now: its open descriptors, our /dev/shm names, its children. */
function holdings(pid: number, dir: string): Holdings {
  const files = (sub: string, re: RegExp) =>
    existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).filter((f) => re.test(f)).length : 0;
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
    spillFiles: files('spill', /./),
    journalSegments: files('journal', /\.spj$/),
    stateFiles: files('state', /^run-/),
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('over several series', () => {
  it('holds no more descriptors, shared memory, children, spill or journal segments after the fourth than after the first', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '60', '--rate', '100', '--series-count', '4', '--dtype', 'uint16', '--seed', '51'],
      yaml: '',
      // A small budget, so the backlog spills and its segments must go again.
      configFor: (dir) =>
        testConfig(
          `  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 1\n    max_workers: 1\n    memory_budget_mb: 16\n    spill_dir: ${join(dir, 'spill')}\n    journal_dir: ${join(dir, 'journal')}\n    journal_max_mb: 1024\n  state_dir: ${join(dir, 'state')}`,
        ),
      timeoutMs: 300_000,
      once: false,
    });
    const pid = run.pipeline.child.pid!;
    const after: Holdings[] = [];
    for (let series = 1; series <= 4; series++) {
      await run.pipeline.waitForStderr(new RegExp(`series ${series}: received`));
      await pause(500); // the summary's files and the spill's last segment are closed by now
      after.push(holdings(pid, run.dir));
    }
    const status = (await (await fetch(run.statusUrl)).json()) as {
      good: { spilledTotal: number };
      journal: { journaled: number; notJournaled: number; segments: number };
    };
    const spilled = status.good.spilledTotal;
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
    // Every frame was journaled (64 MB segments: several were written and deleted); once the last
    // series is done only the segment being written is left, and no series state stays behind.
    expect(status.journal.journaled, JSON.stringify(status.journal)).toBe(240);
    expect(status.journal.notJournaled).toBe(0);
    expect(last.journalSegments).toBeLessThanOrEqual(1);
    expect(last.stateFiles).toBe(0);
    expect(result.stderr.match(/series \d: received 60, processed 60, lost 0/g)).toHaveLength(4);
    await run.simulator.done;
  }, 320_000);
});
