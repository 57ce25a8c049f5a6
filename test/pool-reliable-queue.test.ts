import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_FAILURES, MAX_HAND_BACKS, MAX_WORKER_DEATHS, ReliableQueue } from '../src/stages/pool/ReliableQueue.js';
import type { Task } from '../src/stages/pool/Task.js';
import { seededRandom } from './helpers/seededRandom.js';
import { filledTask, taskHeader } from './helpers/tasks.js';

const dirs: string[] = [];
function queue(budget = 1 << 20, spillSegmentBytes?: number): ReliableQueue {
  const dir = mkdtempSync(join(tmpdir(), 'sp-queue-'));
  dirs.push(dir);
  return new ReliableQueue({ memoryBudgetBytes: budget, spillDir: dir, name: 'good', spillSegmentBytes });
}
/** Memory budget for n tasks of task()'s default size. */
const tasksOf = (n: number) => n * (1000 + 256);
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const task = (id: number, size = 1000): Task => filledTask(taskHeader(id, 10, 10, { run: 7 }), size);

/** Queues tasks 0 .. n-1. */
function enqueueTasks(q: ReliableQueue, n: number): void {
  for (let i = 0; i < n; i++) q.enqueue(task(i));
}

/** Adds these workers, then grants each its credit. */
function addWorkers(q: ReliableQueue, credits: Record<string, number>): void {
  for (const id of Object.keys(credits)) q.addWorker(id);
  for (const [id, n] of Object.entries(credits)) q.grant(id, n);
}

/** As drain, also through tasks still to be read back from disk (spill reads are asynchronous,
 * as a dispatcher woken by the spill would). */
async function drainAll(q: ReliableQueue): Promise<Map<string, number[]>> {
  const got = new Map<string, number[]>();
  for (let round = 0; round < 1000; round++) {
    for (const [w, ids] of drain(q)) got.set(w, [...(got.get(w) ?? []), ...ids]);
    if (q.waiting === 0) break;
    await q.spillSettled();
  }
  return got;
}

/** Drives the queue like the dispatcher does and returns the ids each worker processed. */
function drain(q: ReliableQueue, ack = true): Map<string, number[]> {
  const got = new Map<string, number[]>();
  for (let d = q.next(); d; d = q.next()) {
    got.set(d.workerId, [...(got.get(d.workerId) ?? []), d.task.header.id]);
    if (ack) {
      expect(q.ack(d.workerId, d.task.header.id)?.id).toBe(d.task.header.id);
      q.grant(d.workerId, 1);
    }
  }
  return got;
}

describe('ReliableQueue', () => {
  it("sends nothing without credit and respects each worker's credit", () => {
    const q = queue();
    enqueueTasks(q, 5);
    q.addWorker('a');
    expect(q.next()).toBeNull();
    q.grant('a', 2);
    expect(q.next()?.task.header.id).toBe(0);
    expect(q.next()?.task.header.id).toBe(1);
    expect(q.next()).toBeNull();
    expect(q.inFlight).toBe(2);
    expect(q.waiting).toBe(3);
  });

  it('shares work round-robin between workers with credit', () => {
    const q = queue();
    enqueueTasks(q, 6);
    addWorkers(q, { a: 1, b: 1 });
    const got = drain(q);
    expect(got.get('a')).toEqual([0, 2, 4]);
    expect(got.get('b')).toEqual([1, 3, 5]);
  });

  it("redelivers a dead worker's unacknowledged tasks first, exactly once overall", () => {
    const q = queue();
    enqueueTasks(q, 10);
    addWorkers(q, { a: 3, b: 1 });
    const sentToA: number[] = [];
    for (let d = q.next(); d; d = q.next()) if (d.workerId === 'a') sentToA.push(d.task.header.id);
    expect(sentToA).toEqual([0, 2, 3]);
    expect(q.removeWorker('a')).toBe(3);
    expect(q.redelivered).toBe(3);
    // b acks what it had, then takes everything else, the redelivered tasks first.
    expect(q.ack('b', 1)?.id).toBe(1);
    q.grant('b', 1);
    const done = [1, ...drain(q).get('b')!];
    expect(done.slice(1, 4)).toEqual([0, 2, 3]);
    expect([...done].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A late result from the dead worker is recognised as a duplicate.
    expect(q.ack('a', 0)).toBeNull();
  });

  it('spills beyond the memory budget to disk and gives the data back intact', () => {
    const q = queue(tasksOf(5));
    for (let i = 0; i < 20; i++) expect(q.enqueue(task(i))).toBeNull();
    expect(q.waitingOnDisk).toBe(15);
    expect(q.spilledTotal).toBe(15);
    expect(q.diskBytes).toBeGreaterThan(15 * 1000);
    expect(q.waitingInMemoryBytes).toBe(tasksOf(5));
    q.addWorker('a');
    q.grant('a', 1);
    const ids: number[] = [];
    for (let d = q.next(); d; d = q.next()) {
      ids.push(d.task.header.id);
      expect(d.task.data.every((b) => b === (d.task.header.id & 0xff))).toBe(true);
      expect(d.task.header).toEqual(task(d.task.header.id).header);
      q.ack('a', d.task.header.id);
      q.grant('a', 1);
    }
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(q.waiting).toBe(0);
    expect(q.diskBytes).toBe(0);
    q.close();
    expect(readdirSync(dirs[0]!)).toEqual([]);
  });

  it('keeps using the memory budget while older tasks wait on disk; memory goes out before disk', () => {
    const q = queue(tasksOf(5));
    enqueueTasks(q, 20); // 0-4 in memory, 5-19 on disk
    addWorkers(q, { a: 2 });
    expect([q.next()!.task.header.id, q.next()!.task.header.id]).toEqual([0, 1]);
    // Room for two in memory again: new arrivals take it although the disk holds older tasks.
    expect(q.enqueue(task(100))).toBeNull();
    expect(q.enqueue(task(101))).toBeNull();
    expect(q.waitingOnDisk).toBe(15);
    expect(q.waitingInMemoryBytes).toBe(tasksOf(5));
    expect(q.spilledTotal).toBe(15);
    // Memory full again: the next one spills.
    expect(q.enqueue(task(102))).toBeNull();
    expect(q.waitingOnDisk).toBe(16);
    q.ack('a', 0);
    q.ack('a', 1);
    q.grant('a', 1);
    const rest = drain(q).get('a')!;
    expect(rest).toEqual([2, 3, 4, 100, 101, ...Array.from({ length: 15 }, (_, i) => 5 + i), 102]);
  });

  it('sends redeliveries before memory and memory before disk', () => {
    const q = queue(tasksOf(4), 3 * 1300);
    enqueueTasks(q, 12); // 0-3 memory, 4-11 disk
    q.addWorker('a');
    q.addWorker('b');
    q.grant('a', 3);
    const toA = [q.next()!, q.next()!, q.next()!].map((d) => d.task.header.id);
    expect(toA).toEqual([0, 1, 2]);
    q.enqueue(task(50)); // memory has room again
    q.enqueue(task(51));
    expect(q.removeWorker('a')).toBe(3);
    q.grant('b', 1);
    expect(drain(q).get('b')).toEqual([0, 1, 2, 3, 50, 51, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('puts a task handed back unprocessed in front of everything else', () => {
    const q = queue();
    enqueueTasks(q, 4);
    addWorkers(q, { a: 2 });
    q.next();
    q.next();
    expect(q.requeue('a', 1, 'no-setup')?.id).toBe(1);
    expect(q.requeue('a', 1, 'no-setup')).toBeNull();
    expect(q.inFlight).toBe(1);
    q.grant('a', 1);
    expect(q.next()?.task.header.id).toBe(1);
    expect(q.next()).toBeNull();
  });

  it('costs a frame nothing when its holders go silent, however often, however many at once', () => {
    const q = queue();
    enqueueTasks(q, 300);
    // 200 workers take frames and go silent together; they are removed one at a time, each
    // handing its frames to others that are about to be removed too.
    const ids = Array.from({ length: 200 }, (_, i) => `s${i}`);
    for (const w of ids) {
      q.addWorker(w);
      q.grant(w, 2);
    }
    for (let d = q.next(); d; d = q.next());
    for (const w of ids) q.removeWorker(w);
    expect(q.drainLost()).toEqual([]);
    // One worker that keeps saying hello again (removed and re-added under its id), 30 times.
    for (let i = 0; i < 30; i++) {
      q.addWorker('again');
      q.grant('again', 4);
      for (let k = 0; k < 4; k++) q.next();
      q.removeWorker('again');
    }
    expect(q.drainLost()).toEqual([]);
    // An honest worker gets every one of the 300, exactly once.
    q.addWorker('ok');
    q.grant('ok', 1000);
    const got = new Set<number>();
    for (let d = q.next(); d; d = q.next()) {
      expect(got.has(d.task.header.id)).toBe(false);
      got.add(d.task.header.id);
    }
    expect(got.size).toBe(300);
  });

  it('counts a crash reported after the worker was removed for silence, wherever its frames wait', () => {
    const q = queue();
    enqueueTasks(q, 1);
    for (let crash = 1; crash <= MAX_WORKER_DEATHS; crash++) {
      const w = `w${crash}`;
      q.addWorker(w);
      q.grant(w, 1);
      expect(q.next()?.task.header.id).toBe(0);
      q.removeWorker(w); // silent first...
      expect(q.drainLost()).toEqual([]);
      q.workerCrashed(w); // ...then its process is seen to exit
      const lost = q.drainLost();
      if (crash < MAX_WORKER_DEATHS) expect(lost).toEqual([]);
      else expect(lost.map((l) => l.reason)).toEqual(['worker-died']);
    }
    // A crash report for a worker long gone, or one whose frames were since finished, costs nothing.
    expect(q.workerCrashed('never-seen')).toBe(0);
  });

  it('gives up a task whose holders keep dying (a frame that kills workers), and only that task', () => {
    const q = queue();
    enqueueTasks(q, 3);
    const holders: string[] = [];
    for (let death = 1; death <= MAX_WORKER_DEATHS; death++) {
      const w = `w${death}`;
      holders.push(w);
      q.addWorker(w);
      q.grant(w, 1);
      expect(q.next()?.task.header.id).toBe(0); // the poisonous task goes out first each time
      q.workerCrashed(w);
      const lost = q.drainLost();
      if (death < MAX_WORKER_DEATHS) expect(lost).toEqual([]);
      else expect(lost).toEqual([{ header: { id: 0, run: 7, series: 1, frame: 0 }, reason: 'worker-died' }]);
    }
    expect(q.redelivered).toBe(MAX_WORKER_DEATHS - 1);
    // The others are untouched: a healthy worker gets them, and task 0 never again.
    q.addWorker('ok');
    q.grant('ok', 5);
    expect(drain(q).get('ok')).toEqual([1, 2]);
    expect(q.waiting + q.inFlight).toBe(0);
  });

  it('gives up a task handed back too often, with the reason given', () => {
    const q = queue();
    q.enqueue(task(7));
    q.addWorker('a');
    for (let i = 1; i <= MAX_HAND_BACKS; i++) {
      q.grant('a', 1);
      expect(q.next()?.task.header.id).toBe(7);
      expect(q.requeue('a', 7, 'no-setup')?.id).toBe(7);
    }
    expect(q.drainLost()).toEqual([{ header: { id: 7, run: 7, series: 1, frame: 7 }, reason: 'no-setup' }]);
    q.grant('a', 1);
    expect(q.next()).toBeNull();
  });

  it('tries a task one worker failed on another, never again on the one that failed it', () => {
    const q = queue();
    for (const w of ['a', 'b', 'c']) q.addWorker(w);
    q.grant('a', 1);
    q.enqueue(task(1));
    expect(q.next()?.workerId).toBe('a');
    expect(q.fail('a', 1, 'decode-failed')?.id).toBe(1);
    q.grant('a', 1);
    expect(q.next()).toBeNull(); // only 'a' has credit, and 'a' failed it
    q.grant('b', 1);
    expect(q.next()).toMatchObject({ workerId: 'b', task: { header: { id: 1 } } });
    expect(q.ack('b', 1)?.id).toBe(1);
    expect(q.drainLost()).toEqual([]);
  });

  it('gives a failed task up after MAX_FAILURES workers failed it, or at once when no other worker is there', () => {
    const q = queue();
    const names = Array.from({ length: MAX_FAILURES + 1 }, (_, i) => `w${i}`);
    for (const w of names) {
      q.addWorker(w);
      q.grant(w, 1);
    }
    q.enqueue(task(1));
    for (let i = 0; i < MAX_FAILURES; i++) {
      const d = q.next()!;
      expect(d.task.header.id).toBe(1);
      q.fail(d.workerId, 1, 'analysis-failed');
    }
    expect(q.drainLost()).toEqual([{ header: { id: 1, run: 7, series: 1, frame: 1 }, reason: 'analysis-failed' }]);
    expect(q.waiting).toBe(0);

    const alone = queue();
    alone.addWorker('only');
    alone.grant('only', 1);
    alone.enqueue(task(2));
    alone.fail('only', alone.next()!.task.header.id, 'decode-failed');
    expect(alone.drainLost().map((l) => [l.header.id, l.reason])).toEqual([[2, 'decode-failed']]);
  });

  it('does not hand a task back to a worker removed while holding it if another can take it, but does if it is the only one', () => {
    const q = queue();
    q.addWorker('rogue');
    q.addWorker('honest');
    q.grant('rogue', 1);
    q.enqueue(task(1));
    expect(q.next()?.workerId).toBe('rogue');
    q.removeWorker('rogue');
    q.addWorker('rogue'); // rejoins under the same id
    q.grant('rogue', 1);
    expect(q.next()).toBeNull();
    q.grant('honest', 1);
    expect(q.next()?.workerId).toBe('honest');

    const solo = queue();
    solo.addWorker('w');
    solo.grant('w', 1);
    solo.enqueue(task(5));
    solo.next();
    solo.removeWorker('w');
    solo.addWorker('w');
    solo.grant('w', 1);
    expect(solo.next()).toMatchObject({ workerId: 'w', task: { header: { id: 5 } } });
  });

  it('tells when the task a worker has held longest was sent', () => {
    const q = queue();
    q.addWorker('a');
    expect(q.oldestSentAt('a')).toBeNull();
    q.grant('a', 2);
    q.enqueue(task(1));
    q.enqueue(task(2));
    const before = Date.now();
    q.next();
    q.next();
    const first = q.oldestSentAt('a')!;
    expect(first).toBeGreaterThanOrEqual(before);
    q.ack('a', 1);
    expect(q.oldestSentAt('a')).toBeGreaterThanOrEqual(first);
    q.ack('a', 2);
    expect(q.oldestSentAt('a')).toBeNull();
  });

  it('keeps frames the disk refuses in memory up to twice the budget, counted, then reports the reason; never throws', () => {
    const base = mkdtempSync(join(tmpdir(), 'sp-queue-'));
    dirs.push(base);
    const file = join(base, 'not-a-dir');
    writeFileSync(file, 'x');
    const q = new ReliableQueue({ memoryBudgetBytes: tasksOf(3), spillDir: join(file, 'spill'), name: 'good' });
    const results = Array.from({ length: 8 }, (_, i) => q.enqueue(task(i)));
    expect(results).toEqual([null, null, null, null, null, null, 'spill-failed', 'spill-failed']);
    expect(q.lastSpillError?.message).toMatch(/ENOTDIR|EEXIST/);
    expect(q.spilledTotal).toBe(0);
    expect(q.keptOverBudget).toBe(3);
    expect(q.waiting).toBe(6);
    expect(q.waitingOnDisk).toBe(0);
    q.addWorker('a');
    q.grant('a', 1);
    expect(drain(q).get('a')).toEqual([0, 1, 2, 3, 4, 5]);
    // Memory freed: new tasks are stored again.
    expect(q.enqueue(task(10))).toBeNull();
    expect(drain(q).get('a')).toEqual([10]);
    expect(q.drainLost()).toEqual([]);
    q.close();
  });

  it('skips a spilled task it cannot read back and reports it once through drainLost', async () => {
    // One record per segment, so a single damaged file takes exactly one task with it.
    const q = queue(tasksOf(2), 1);
    enqueueTasks(q, 8); // 0-1 memory, 2-7 on disk in 6 segments
    await q.spillSettled();
    const files = readdirSync(dirs[0]!).sort((a, b) => segmentNo(a) - segmentNo(b));
    expect(files).toHaveLength(6);
    truncateSync(join(dirs[0]!, files[1]!), 10); // task 3: cut short
    truncateSync(join(dirs[0]!, files[4]!), 0); // task 6: emptied
    q.addWorker('a');
    q.grant('a', 1);
    expect((await drainAll(q)).get('a')).toEqual([0, 1, 2, 4, 5, 7]);
    expect(q.drainLost()).toEqual([
      { header: { id: 3, run: 7, series: 1, frame: 3 }, reason: 'spill-unreadable' },
      { header: { id: 6, run: 7, series: 1, frame: 6 }, reason: 'spill-unreadable' },
    ]);
    expect(q.drainLost()).toEqual([]);
    expect(q.waiting).toBe(0);
    expect(readdirSync(dirs[0]!)).toEqual([]);
  });

  it('returns null from next() when only unreadable spill records were left, keeping the credit', async () => {
    const q = queue(0, 1);
    q.enqueue(task(1));
    await q.spillSettled();
    truncateSync(join(dirs[0]!, readdirSync(dirs[0]!)[0]!), 0);
    q.addWorker('a');
    q.grant('a', 1);
    expect(q.next()).toBeNull(); // being read back
    await q.spillSettled();
    expect(q.next()).toBeNull();
    expect(q.drainLost().map((l) => l.header.id)).toEqual([1]);
    q.enqueue(task(2));
    expect(q.next()?.task.header.id).toBe(2);
  });

  it('hands out every task exactly once under random arrivals, takes and worker deaths', async () => {
    const rand = seededRandom(12345);
    const q = queue(tasksOf(6), 4 * 1300);
    const acked = new Set<number>();
    const givenUp = new Set<number>();
    const held = new Map<string, Set<number>>();
    let nextId = 0;
    let nextWorker = 0;
    const addWorker = () => {
      const id = `w${nextWorker++}`;
      q.addWorker(id);
      held.set(id, new Set());
      q.grant(id, 1 + Math.floor(rand() * 3));
    };
    addWorker();
    addWorker();
    for (let step = 0; step < 4000; step++) {
      const r = rand();
      if (r < 0.4) {
        expect(q.enqueue(task(nextId++))).toBeNull();
      } else if (r < 0.7) {
        const d = q.next();
        if (d) held.get(d.workerId)!.add(d.task.header.id);
      } else if (r < 0.93) {
        // Some worker finishes one of its tasks.
        const busy = [...held].filter(([, s]) => s.size > 0);
        if (busy.length > 0) {
          const [w, s] = busy[Math.floor(rand() * busy.length)]!;
          const id = [...s][0]!;
          s.delete(id);
          expect(q.ack(w, id)?.id).toBe(id);
          expect(acked.has(id)).toBe(false);
          acked.add(id);
          q.grant(w, 1);
        }
      } else if (r < 0.96 && held.size > 1) {
        const w = [...held.keys()][Math.floor(rand() * held.size)]!;
        const lostHere = [...held.get(w)!].sort((a, b) => a - b);
        expect(q.workerCrashed(w)).toBe(lostHere.length);
        held.delete(w);
        // A task whose third holder crashed is given up, reported once; the rest go out next,
        // before anything else.
        for (const l of q.drainLost()) {
          expect(l.reason).toBe('worker-died');
          expect(lostHere).toContain(l.header.id);
          expect(givenUp.has(l.header.id)).toBe(false);
          givenUp.add(l.header.id);
        }
        const again = lostHere.filter((id) => !givenUp.has(id));
        const survivor = [...held.keys()][0]!;
        q.grant(survivor, again.length);
        for (const id of again) {
          const d = q.next()!;
          expect(d.task.header.id).toBe(id);
          held.get(d.workerId)!.add(id);
        }
      } else {
        addWorker();
      }
    }
    // Finish: everything left is worked off.
    for (;;) {
      for (const [w, s] of held)
        for (const id of s) {
          expect(q.ack(w, id)?.id).toBe(id);
          acked.add(id);
          q.grant(w, 1);
        }
      for (const s of held.values()) s.clear();
      let d = q.next();
      if (!d) break;
      for (; d; d = q.next()) held.get(d.workerId)!.add(d.task.header.id);
    }
    expect(q.spilledTotal).toBeGreaterThan(100);
    expect(q.redelivered).toBeGreaterThan(0);
    // Every task either acknowledged or given up, never both.
    expect(givenUp.size).toBeGreaterThan(0);
    for (const id of givenUp) expect(acked.has(id)).toBe(false);
    expect([...acked, ...givenUp].sort((a, b) => a - b)).toEqual(Array.from({ length: nextId }, (_, i) => i));
    expect(q.waiting + q.inFlight).toBe(0);
    expect(q.drainLost()).toEqual([]);
    await q.spillSettled();
    expect(readdirSync(dirs[0]!)).toEqual([]);
  });
});

function segmentNo(file: string): number {
  return Number(/-(\d+)\.spill$/.exec(file)![1]);
}
