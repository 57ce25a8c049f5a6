// Disk use of the good path's spill: segment files that go away as they drain, so the
// files follow the backlog rather than everything ever spilled.
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ReliableQueue } from '../src/stages/pool/ReliableQueue.js';
import { SpillFile, type SpilledHeader, type SpillRecord } from '../src/stages/pool/SpillFile.js';
import type { Task } from '../src/stages/pool/Task.js';
import { filledTask, taskHeader } from './helpers/tasks.js';
import { tempDirs } from './helpers/tempDirs.js';

const tempDir = tempDirs('sp-spill-');

const task = (id: number, size = 1000): Task => filledTask(taskHeader(id, 10, 10), size);

/** The oldest record, waiting while it is read back from disk (spill reads are asynchronous). */
async function shiftReady<H extends SpilledHeader>(spill: SpillFile<H>): Promise<SpillRecord<H> | undefined> {
  for (;;) {
    const r = spill.shift();
    if (r !== undefined || spill.length === 0) return r;
    await spill.settled();
  }
}

/** What the files in the spill directory really take, as the file system sees it. */
function filesBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

describe('SpillFile segments', () => {
  it('deletes each segment file as soon as everything in it has been read', async () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, 'good', 4 * 1200); // four ~1.1 KB records per segment
    for (let i = 0; i < 20; i++) expect(spill.push(task(i))).toBeNull();
    await spill.settled();
    expect(readdirSync(dir)).toHaveLength(5);
    expect(spill.segmentCount).toBe(5);
    const recordBytes = spill.diskBytes / 20;
    expect(filesBytes(dir)).toBe(spill.diskBytes);
    const filesAfter: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = (await shiftReady(spill))!;
      expect(t.header.id).toBe(i);
      expect(t.data.every((b) => b === i)).toBe(true);
      filesAfter.push(readdirSync(dir).length);
      expect(spill.diskBytes).toBeCloseTo((19 - i) * recordBytes, 6);
    }
    expect(filesAfter).toEqual([5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 0]);
    expect(spill.shift()).toBeUndefined();
    expect(spill.length).toBe(0);
    // Spilling again after a full drain starts a new segment.
    expect(spill.push(task(99))).toBeNull();
    await spill.settled();
    expect(readdirSync(dir)).toHaveLength(1);
    expect((await shiftReady(spill))?.header.id).toBe(99);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('gives a record larger than a segment a segment of its own', async () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, 'good', 2000);
    spill.push(task(1, 500));
    spill.push(task(2, 5000));
    spill.push(task(3, 500));
    await spill.settled();
    expect(readdirSync(dir)).toHaveLength(3);
    const back = [(await shiftReady(spill))!, (await shiftReady(spill))!, (await shiftReady(spill))!];
    expect(back.map((t) => [t.header.id, t.data.byteLength])).toEqual([
      [1, 500],
      [2, 5000],
      [3, 500],
    ]);
    expect(readdirSync(dir)).toHaveLength(0);
  });

  it('removes every segment on close', async () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, 'good', 3000);
    for (let i = 0; i < 10; i++) spill.push(task(i));
    await spill.settled();
    await shiftReady(spill);
    expect(readdirSync(dir).length).toBeGreaterThan(1);
    spill.close();
    expect(readdirSync(dir)).toEqual([]);
    expect(spill.length).toBe(0);
    expect(spill.diskBytes).toBe(0);
    expect(spill.shift()).toBeUndefined();
  });

  it('keeps two spills with the same name in one directory apart', async () => {
    const dir = tempDir();
    const a = new SpillFile(dir, 'good');
    const b = new SpillFile(dir, 'good');
    a.push(task(1));
    b.push(task(2));
    await Promise.all([a.settled(), b.settled()]);
    expect(readdirSync(dir)).toHaveLength(2);
    expect((await shiftReady(a))?.header.id).toBe(1);
    expect((await shiftReady(b))?.header.id).toBe(2);
  });
});

describe('ReliableQueue disk use over a long over-capacity run', () => {
  const segmentBytes = 8 * 1024;
  const budget = 4 * (1000 + 256);

  it('stays bounded while input and take keep pace with a disk backlog, and drains when take is faster', async () => {
    const dir = tempDir();
    const q = new ReliableQueue({
      memoryBudgetBytes: budget,
      spillDir: dir,
      name: 'good',
      spillSegmentBytes: segmentBytes,
    });
    q.addWorker('w');
    let nextId = 0;
    const done: number[] = [];
    const takeOne = async () => {
      q.grant('w', 1);
      let d = q.next();
      // A spilled task is read back asynchronously: the dispatcher is woken for it.
      if (!d && q.waiting > 0) {
        await q.spillSettled();
        d = q.next();
      }
      if (!d) return;
      expect(q.ack('w', d.task.header.id)?.id).toBe(d.task.header.id);
      done.push(d.task.header.id);
    };
    // A burst the workers cannot follow: most of it lands on disk.
    for (let i = 0; i < 60; i++) q.enqueue(task(nextId++));
    const burstDisk = q.diskBytes;
    expect(q.waitingOnDisk).toBe(56);
    await q.spillSettled();
    expect(filesBytes(dir)).toBe(burstDisk);

    // Steady state at capacity: 3000 frames (~3 MB) pass through, the disk backlog stays put.
    let maxFiles = 0;
    for (let step = 0; step < 3000; step++) {
      await takeOne();
      expect(q.enqueue(task(nextId++))).toBeNull();
      expect(q.diskBytes).toBe(burstDisk);
      if (step % 100 === 0) maxFiles = Math.max(maxFiles, filesBytes(dir));
    }
    expect(maxFiles).toBe(burstDisk);
    expect(filesBytes(dir)).toBe(burstDisk);
    expect(q.waitingInMemoryBytes).toBe(budget);

    // Input slower than the take: the disk backlog is worked off and its files go.
    let maxDuring = 0;
    for (let step = 0; step < 400; step++) {
      await takeOne();
      if (step % 2 === 0) q.enqueue(task(nextId++));
      expect(q.diskBytes).toBeLessThanOrEqual(burstDisk);
      // Files hold the backlog plus at most the already-read part of the oldest segment.
      const onDisk = filesBytes(dir);
      expect(onDisk).toBeLessThan(q.diskBytes + segmentBytes);
      maxDuring = Math.max(maxDuring, onDisk);
    }
    expect(maxDuring).toBeLessThanOrEqual(burstDisk);
    expect(q.waitingOnDisk).toBe(0);
    expect(q.diskBytes).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    while (q.waiting > 0) await takeOne();
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: nextId }, (_, i) => i));
    expect(new Set(done).size).toBe(done.length);
    expect(q.spilledTotal).toBe(56);
  });
});
