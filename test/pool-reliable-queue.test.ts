import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReliableQueue } from '../src/stages/pool/ReliableQueue.js';
import type { Task } from '../src/stages/pool/Task.js';

const dirs: string[] = [];
function queue(budget = 1 << 20): ReliableQueue {
  const dir = mkdtempSync(join(tmpdir(), 'sp-queue-'));
  dirs.push(dir);
  return new ReliableQueue({ memoryBudgetBytes: budget, spillDir: dir, name: 'good' });
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function task(id: number, size = 1000): Task {
  const data = new Uint8Array(size).fill(id & 0xff);
  return {
    header: {
      id, series: 1, frame: id, channel: 'threshold_1', width: 10, height: 10, dtype: 'uint16',
      encoding: { codec: 'raw', elemSize: 2, name: '<' }, receivedAt: 0,
    },
    data,
  };
}

/** Drives the queue like the dispatcher does and returns the ids each worker processed. */
function drain(q: ReliableQueue, ack = true): Map<string, number[]> {
  const got = new Map<string, number[]>();
  for (let d = q.next(); d; d = q.next()) {
    got.set(d.workerId, [...(got.get(d.workerId) ?? []), d.task.header.id]);
    if (ack) {
      expect(q.ack(d.workerId, d.task.header.id)).toBe(true);
      q.grant(d.workerId, 1);
    }
  }
  return got;
}

describe('ReliableQueue', () => {
  it('sends nothing without credit and respects each worker\'s credit', () => {
    const q = queue();
    for (let i = 0; i < 5; i++) q.enqueue(task(i));
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
    for (let i = 0; i < 6; i++) q.enqueue(task(i));
    q.addWorker('a');
    q.addWorker('b');
    q.grant('a', 1);
    q.grant('b', 1);
    const got = drain(q);
    expect(got.get('a')).toEqual([0, 2, 4]);
    expect(got.get('b')).toEqual([1, 3, 5]);
  });

  it('redelivers a dead worker\'s unacknowledged tasks first, exactly once overall', () => {
    const q = queue();
    for (let i = 0; i < 10; i++) q.enqueue(task(i));
    q.addWorker('a');
    q.addWorker('b');
    q.grant('a', 3);
    q.grant('b', 1);
    const sentToA: number[] = [];
    for (let d = q.next(); d; d = q.next()) if (d.workerId === 'a') sentToA.push(d.task.header.id);
    expect(sentToA).toEqual([0, 2, 3]);
    expect(q.removeWorker('a')).toBe(3);
    expect(q.redelivered).toBe(3);
    // b acks what it had, then takes everything else, the redelivered tasks first.
    expect(q.ack('b', 1)).toBe(true);
    q.grant('b', 1);
    const done = [1, ...drain(q).get('b')!];
    expect(done.slice(1, 4)).toEqual([0, 2, 3]);
    expect([...done].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A late result from the dead worker is recognised as a duplicate.
    expect(q.ack('a', 0)).toBe(false);
  });

  it('spills beyond the memory budget to disk and keeps the order', () => {
    const q = queue(5 * (1000 + 256));
    for (let i = 0; i < 20; i++) q.enqueue(task(i));
    expect(q.waitingOnDisk).toBe(15);
    expect(q.spilledTotal).toBe(15);
    expect(q.waitingInMemoryBytes).toBeLessThanOrEqual(5 * 1256);
    q.addWorker('a');
    q.grant('a', 1);
    const ids: number[] = [];
    for (let d = q.next(); d; d = q.next()) {
      ids.push(d.task.header.id);
      expect(d.task.data.every((b) => b === (d.task.header.id & 0xff))).toBe(true);
      expect(d.task.header.encoding.name).toBe('<');
      q.ack('a', d.task.header.id);
      q.grant('a', 1);
      // New arrivals while the backlog is on disk still come after it.
      if (d.task.header.id === 3) q.enqueue(task(100));
    }
    expect(ids).toEqual([...Array.from({ length: 20 }, (_, i) => i), 100]);
    expect(q.waiting).toBe(0);
    q.close();
    expect(readdirSync(dirs[0]!)).toEqual([]);
  });
});
