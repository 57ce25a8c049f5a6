// A disk that stalls must not stall reception: spill writes happen off the event loop, the
// records waiting for them stay in memory (counted, given back in order), and a disk that
// refuses them costs memory, not frames.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Dealer, Push } from 'zeromq';
import { decode, encode } from '@msgpack/msgpack';
import { pino } from 'pino';
import { parseConfig } from '../src/config/loadConfig.js';
import { Pipeline } from '../src/stages/Pipeline.js';
import { ReliableQueue } from '../src/stages/pool/ReliableQueue.js';
import { SpillFile, SPILL_FAILED } from '../src/stages/pool/SpillFile.js';
import type { SeriesSummary } from '../src/sinks/records.js';
import type { Task } from '../src/stages/pool/Task.js';
import { assertBuilt } from './helpers/cli.js';
import { smallSeriesMessages } from './helpers/smallSeries.js';
import { validResultBody } from './helpers/frameResults.js';
import { filledTask, taskHeader } from './helpers/tasks.js';
import { tempDirs } from './helpers/tempDirs.js';

const tempDir = tempDirs('sp-spillstall-');
const task = (id: number, size = 64 * 1024): Task => filledTask(taskHeader(id, 10, 10), size);
const nextTick = () => new Promise((r) => setImmediate(r));

describe('SpillFile on a disk that stalls', () => {
  it('takes every record at once, while the disk has written none, and gives them back in order from memory', async () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, 'good', undefined, { writeDelayMs: 200 });
    for (let i = 0; i < 20; i++) expect(spill.push(task(i))).toBeNull();
    await nextTick(); // the event loop turns: the writer is still waiting on the disk
    expect(spill.length).toBe(20);
    expect(spill.writtenRecords).toBe(0);
    expect(spill.bufferedBytes).toBeGreaterThan(20 * 64 * 1024);
    const ids: number[] = [];
    for (let r = spill.shift(); r; r = spill.shift()) {
      expect(r.data.every((b) => b === (r.header.id & 0xff))).toBe(true);
      ids.push(r.header.id);
    }
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(spill.bufferedBytes).toBe(0);
    await spill.settled();
    // Taken before they were written: nothing of them stays on disk.
    expect(readdirSync(dir)).toEqual([]);
    expect(spill.drainLost()).toEqual([]);
  });

  it('refuses records once its write buffer is full, and takes them again as the disk catches up', async () => {
    const spill = new SpillFile(tempDir(), 'good', undefined, { writeBufferBytes: 3 * 70 * 1024, writeDelayMs: 50 });
    const taken = Array.from({ length: 5 }, (_, i) => spill.push(task(i)));
    expect(taken).toEqual([null, null, null, SPILL_FAILED, SPILL_FAILED]);
    await spill.settled();
    expect(spill.writtenRecords).toBe(3);
    expect(spill.push(task(3))).toBeNull();
  });

  it('says when the disk is well behind, and when it has caught up enough to take more', async () => {
    const spill = new SpillFile(tempDir(), 'good', undefined, { writeBufferBytes: 4 * 70 * 1024, writeDelayMs: 50 });
    for (let i = 0; i < 3; i++) spill.push(task(i));
    expect(spill.writeBacklogFull).toBe(false);
    expect(spill.push(task(3))).toBeNull();
    expect(spill.writeBacklogFull).toBe(true); // three quarters of the buffer wait for the disk
    await spill.whenWriteRoom();
    expect(spill.writtenRecords).toBeGreaterThanOrEqual(2); // half of it written
    expect(spill.writeBacklogFull).toBe(false);
    spill.close();
  });

  it('keeps the records a vanished disk refuses in memory, in order, and loses none', async () => {
    const dir = tempDir();
    const spill = new SpillFile(dir, 'good', 1, { writeBufferBytes: 3 * 70 * 1024 }); // a segment per record
    expect(spill.push(task(0))).toBeNull();
    await spill.settled();
    rmSync(dir, { recursive: true }); // every segment after this one cannot be made
    for (let i = 1; i < 4; i++) expect(spill.push(task(i))).toBeNull();
    await spill.settled();
    expect(spill.lastError?.message).toMatch(/ENOENT/);
    expect(spill.writtenRecords).toBe(1);
    // Refused by the disk, kept in memory: the buffer is full of them now.
    expect(spill.push(task(4))).toBe(SPILL_FAILED);
    const ids: number[] = [];
    for (let i = 0; i < 10 && spill.length > 0; i++) {
      for (let r = spill.shift(); r; r = spill.shift()) ids.push(r.header.id);
      await spill.settled();
    }
    expect(ids).toEqual([0, 1, 2, 3]);
    expect(spill.drainLost()).toEqual([]);
    spill.close();
  });

  it('wakes its consumer once a record it could not give is read back', async () => {
    const spill = new SpillFile(tempDir(), 'good');
    spill.push(task(7));
    await spill.settled();
    let woken = 0;
    spill.onReadable = () => woken++;
    expect(spill.shift()).toBeUndefined(); // on disk: being read back
    await spill.settled();
    expect(woken).toBe(1);
    expect(spill.shift()?.header.id).toBe(7);
  });
});

describe('ReliableQueue on a disk that stalls', () => {
  it('keeps frames beyond a full write buffer in memory up to twice the budget, counted, then refuses', () => {
    const budget = 16 << 20;
    const q = new ReliableQueue({
      memoryBudgetBytes: budget,
      spillDir: tempDir(),
      name: 'good',
      spillWriteBufferBytes: 8 << 20,
      spillWriteDelayMs: 1000,
    });
    const results = Array.from({ length: 40 }, (_, i) => q.enqueue(task(i, 1 << 20)));
    expect(q.spilledTotal).toBeGreaterThan(4); // taken by the write buffer...
    expect(q.spillWritten).toBe(0); // ...none written yet
    expect(q.keptOverBudget).toBeGreaterThan(4); // the buffer full: kept in memory, counted
    const lost = results.filter((r) => r !== null);
    expect(lost.length).toBeGreaterThan(0); // and beyond twice the budget, refused
    expect(lost.every((r) => r === SPILL_FAILED)).toBe(true);
    expect(lost.length).toBe(40 - q.waiting);
    expect(q.waitingInMemoryBytes).toBeLessThanOrEqual(2 * budget);
    expect(q.spillBufferedBytes).toBeLessThanOrEqual(8 << 20);
    q.close();
  });
});

interface Harness {
  pipeline: Pipeline;
  push: Push;
  summaries: SeriesSummary[];
  running: Promise<void>;
}
const harnesses: Harness[] = [];

beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.pipeline.stop(2000);
    h.push.close();
    await h.running.catch(() => undefined);
  }
});

/** A pipeline with no workers of its own, a 1 MB good-path budget and a disk whose every write waits 200 ms. */
async function stallingPipeline(): Promise<Harness> {
  const config = parseConfig(
    `pipeline:\n  worker_port: 0\n  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n    memory_budget_mb: 1\n    spill_dir: ${join(tempDir(), 'spill')}\noutputs:\n  http_port: 0\nlogging:\n  level: warn\n`,
  );
  const push = new Push({ linger: 0 });
  await push.bind('tcp://127.0.0.1:*');
  const pipeline = new Pipeline({ config, logger: pino({ level: 'silent' }), spillWriteDelayMs: 200 });
  const summaries: SeriesSummary[] = [];
  pipeline.collector.on('summary', (s) => summaries.push(s));
  await pipeline.start();
  const h = { pipeline, push, summaries, running: pipeline.run(push.lastEndpoint!) };
  harnesses.push(h);
  return h;
}

/** A good worker over a real socket that answers every task at once. */
async function promptWorker(endpoint: string): Promise<() => void> {
  const socket = new Dealer({ linger: 0 });
  socket.connect(endpoint);
  await socket.send(encode({ t: 'hello', path: 'good', pid: 1, host: 'prompt', credit: 8 }));
  void (async () => {
    for await (const [header] of socket) {
      const m = decode(header!) as { t: string; id?: number; task?: { id: number } };
      if (m.t === 'stop') break;
      if (m.t === 'task') await socket.send(encode({ t: 'result', id: m.task!.id, result: validResultBody() }));
    }
  })().catch(() => undefined);
  return () => socket.close();
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a pipeline spilling to a disk that stalls', () => {
  it('receives a whole burst while the disk has written almost none of it, then loses nothing', async () => {
    const h = await stallingPipeline();
    const frames = 300; // 8 KB each: 1 MB waits in memory, the rest spills
    const m = smallSeriesMessages(1, frames);
    await h.push.send(m.start);
    for (const image of m.images) await h.push.send(image);
    await h.push.send(m.end);
    const received = () => (h.pipeline.status().receiver?.frames ?? 0) as number;
    await until(() => received() === frames);
    // The moment everything is received: most of the spill is still on its way to disk (with
    // writes on the event loop, every spilled frame would be on disk before the next is received).
    const q = h.pipeline.good.queue;
    expect(q.waiting).toBe(frames);
    expect(q.spilledTotal).toBeGreaterThan(150);
    expect(q.spillWritten).toBeLessThan(q.spilledTotal / 4);
    // A worker comes: every frame is processed once, none lost, without waiting for the disk.
    const close = await promptWorker((h.pipeline.status() as { workerEndpoint: string }).workerEndpoint);
    try {
      await until(() => h.summaries.length === 1);
      expect(h.summaries[0]).toMatchObject({ received: frames, processed: frames, lost: 0 });
    } finally {
      close();
    }
  }, 120_000);
});
