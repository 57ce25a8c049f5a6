// Shared-memory frame slots between the pipeline and a local worker: the region is really
// shared (two mappings, and another process), slots are lent one task at a time, announcements
// from another process are checked, and a worker reads its tasks' frames from its slots, ignoring
// tasks sent before the pipeline reset it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { Router } from 'zeromq';
import { decode, encode } from '@msgpack/msgpack';
import { pino } from 'pino';
import { MAX_SLOTS, MAX_SLOT_BYTES, SharedFrameSlots, checkLayout } from '../src/stages/pool/SharedFrameSlots.js';
import { PoolWorker } from '../src/stages/worker/PoolWorker.js';
import { WorkerBroker, type PathDispatcher } from '../src/stages/pool/WorkerBroker.js';
import { encodePixels } from '../src/codec/FrameEncoder.js';
import { parseV1Encoding } from '../src/codec/encodings.js';
import { assertBuilt } from './helpers/cli.js';
import { validResultBody } from './helpers/frameResults.js';
import { testSetup } from './helpers/setups.js';
import { taskHeader } from './helpers/tasks.js';

/** A broker-side view of a worker's message (the fields the tests look at). */
interface Seen {
  t: string;
  id?: number;
  shm?: { name: string; slots: number; slotBytes: number };
  result?: { total_intensity: number };
  [key: string]: unknown;
}

/** Size limits that let any valid layout through (the broker's own limits are tested apart). */
const ANY_SIZE = { slots: MAX_SLOTS, slotBytes: MAX_SLOT_BYTES };
const made: SharedFrameSlots[] = [];
function create(slots: number, slotBytes: number): SharedFrameSlots {
  const s = SharedFrameSlots.create(slots, slotBytes);
  made.push(s);
  return s;
}

beforeAll(() => assertBuilt());
afterEach(() => {
  for (const s of made.splice(0)) s.close();
});

/** The sum of a decoded frame's pixels: what the test analysers report, proof of which bytes were read. */
const sumOf = (pixels: ArrayLike<number>) => {
  let sum = 0;
  for (let i = 0; i < pixels.length; i++) sum += pixels[i]!;
  return sum;
};
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('SharedFrameSlots', () => {
  it('shares one region between the creating and the attaching mapping, slot by slot', () => {
    const worker = create(3, 1000);
    const pipeline = SharedFrameSlots.attach(worker.layout, ANY_SIZE);
    const a = bytes(1000, 1);
    const b = bytes(17, 2);
    expect(pipeline.claim(7, a)).toBe(0);
    expect(pipeline.claim(8, b)).toBe(1);
    expect([...worker.view(0, 1000)]).toEqual([...a]);
    expect([...worker.view(1, 17)]).toEqual([...b]);
  });

  it('lends each slot to one task until that task is answered', () => {
    const pipeline = SharedFrameSlots.attach(create(2, 64).layout, ANY_SIZE);
    expect(pipeline.claim(1, bytes(65, 0))).toBe(-1); // too large for a slot: goes over the socket
    expect(pipeline.claim(1, bytes(64, 0))).toBe(0);
    expect(pipeline.claim(2, bytes(10, 0))).toBe(1);
    expect(pipeline.claim(3, bytes(10, 0))).toBe(-1); // none free
    pipeline.release(99); // an answer for a task it never held changes nothing
    expect(pipeline.claim(3, bytes(10, 0))).toBe(-1);
    pipeline.release(1);
    expect(pipeline.claim(3, bytes(10, 0))).toBe(0);
  });

  it('is seen by another process', () => {
    const worker = create(2, 4096);
    SharedFrameSlots.attach(worker.layout, ANY_SIZE).claim(5, bytes(4096, 9));
    const dist = new URL('../dist/src/stages/pool/SharedFrameSlots.js', import.meta.url).pathname;
    const script = `import { SharedFrameSlots } from ${JSON.stringify(dist)};
      const s = SharedFrameSlots.attach(${JSON.stringify(worker.layout)}, ${JSON.stringify(ANY_SIZE)});
      let sum = 0; for (const v of s.view(0, 4096)) sum += v;
      s.view(1, 3).set([1, 2, 3]);
      console.log(sum);`;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(Number(out.stdout.trim())).toBe(bytes(4096, 9).reduce((a, v) => a + v, 0));
    expect([...worker.view(1, 3)]).toEqual([1, 2, 3]);
  });

  it('refuses a region name that is a hard link to another file of the same size', () => {
    const other = `/dev/shm/stream-pipeline-test-victim-${process.pid}`;
    writeFileSync(other, Buffer.alloc(256, 7));
    const name = `/stream-pipeline-${process.pid}-0123456789ab`;
    try {
      linkSync(other, `/dev/shm${name}`);
      expect(() => SharedFrameSlots.attach({ name, slots: 2, slotBytes: 128 }, ANY_SIZE)).toThrow(
        /has other names \(hard links\)/,
      );
      expect(readFileSync(other)).toEqual(Buffer.alloc(256, 7));
    } finally {
      rmSync(`/dev/shm${name}`, { force: true });
      rmSync(other, { force: true });
    }
  });

  it('refuses announcements it must not map, naming what is wrong', () => {
    const worker = create(2, 128);
    expect(() => SharedFrameSlots.attach({ ...worker.layout, slotBytes: 256 }, ANY_SIZE)).toThrow(
      /not of the announced size/,
    );
    expect(() => SharedFrameSlots.attach({ ...worker.layout, name: '/etc/passwd' }, ANY_SIZE)).toThrow(
      /must be \/stream-pipeline- followed by/,
    );
    expect(() => SharedFrameSlots.attach({ ...worker.layout, name: '/stream-pipeline-../../x' }, ANY_SIZE)).toThrow(
      /followed by \[0-9a-z-\]/,
    );
    expect(() => SharedFrameSlots.attach({ ...worker.layout, name: '/stream-pipeline-absent' }, ANY_SIZE)).toThrow(
      /cannot open shared memory/,
    );
    expect(() => checkLayout({ ...worker.layout, slots: 0 })).toThrow(/slot count 0/);
    expect(() => checkLayout({ ...worker.layout, slots: 2.5 })).toThrow(/slot count 2.5/);
    expect(() => checkLayout({ ...worker.layout, slotBytes: 2 ** 40 })).toThrow(/slot size/);
    expect(() => checkLayout(null)).toThrow(/not an object/);
    // More, or larger, slots than the pipeline allows are not mapped (nor reserved).
    expect(() => SharedFrameSlots.attach(worker.layout, { slots: 1, slotBytes: 1 << 20 })).toThrow(
      /2 slots is more than the 1/,
    );
    expect(() => SharedFrameSlots.attach(worker.layout, { slots: 16, slotBytes: 64 })).toThrow(
      /larger than the configured 64/,
    );
    // Once unlinked, the name cannot be mapped again, but existing mappings still share.
    const pipeline = SharedFrameSlots.attach(worker.layout, ANY_SIZE);
    worker.unlink();
    expect(existsSync(`/dev/shm${worker.layout.name}`)).toBe(false);
    expect(() => SharedFrameSlots.attach(worker.layout, ANY_SIZE)).toThrow(/cannot open shared memory/);
    pipeline.claim(1, bytes(5, 4));
    expect([...worker.view(0, 5)]).toEqual([...bytes(5, 4)]);
  });

  it('removes the regions a dead worker left named, and only those', () => {
    const left = SharedFrameSlots.create(1, 64); // named after this process, as a worker's are
    const other = `/dev/shm/stream-pipeline-${process.pid + 1}-0a`;
    writeFileSync(other, 'x');
    try {
      expect(SharedFrameSlots.removeLeftovers(process.pid)).toBe(1);
      expect(existsSync(`/dev/shm${left.layout.name}`)).toBe(false);
      expect(existsSync(other)).toBe(true);
    } finally {
      rmSync(other, { force: true });
    }
  });

  it('reserves the pages of a region it opens, so a write can never meet a full /dev/shm', () => {
    // A sparse region, as a careless creator would leave it: writing into it on a full /dev/shm
    // would be SIGBUS. Opening it reserves every page (or fails, on a full /dev/shm).
    const name = `/stream-pipeline-${process.pid}-sparse`;
    writeFileSync(`/dev/shm${name}`, '');
    truncateSync(`/dev/shm${name}`, 4 * 65536);
    try {
      expect(statSync(`/dev/shm${name}`).blocks * 512).toBeLessThan(65536);
      const pipeline = SharedFrameSlots.attach({ name, slots: 4, slotBytes: 65536 }, ANY_SIZE);
      expect(statSync(`/dev/shm${name}`).blocks * 512).toBeGreaterThanOrEqual(4 * 65536);
      pipeline.close();
    } finally {
      rmSync(`/dev/shm${name}`, { force: true });
    }
  });

  it('gives the memory back at close, leaving earlier views empty rather than dangling', () => {
    const worker = create(2, 4096);
    const pipeline = SharedFrameSlots.attach(worker.layout, ANY_SIZE);
    pipeline.claim(1, bytes(100, 3));
    const earlier = worker.view(0, 100);
    const mapped = () =>
      readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .filter((l) => l.includes(worker.layout.name)).length;
    expect(mapped()).toBe(2);
    worker.close();
    expect(mapped()).toBe(1);
    expect(earlier.length).toBe(0);
    expect(() => worker.view(0, 1)).toThrow(/closed/);
    expect(existsSync(`/dev/shm${worker.layout.name}`)).toBe(false);
    pipeline.close();
    expect(mapped()).toBe(0);
    expect(pipeline.claim(2, bytes(10, 0))).toBe(-1);
  });

  it('refuses a view outside its slots', () => {
    const worker = create(2, 16);
    expect(() => worker.view(2, 1)).toThrow(/slot 2 does not exist/);
    expect(() => worker.view(-1, 1)).toThrow(/slot -1 does not exist/);
    expect(() => worker.view(0, 17)).toThrow(/exceeds the slot/);
  });
});

describe('a worker receiving frames in shared memory', () => {
  const W = 40;
  const H = 30;
  const setup = testSetup(W, H, {
    beamCenterX: 20,
    beamCenterY: 15,
    detectorDistance: 0.1,
    wavelength: 1,
    pixelSizeX: 75e-6,
    pixelSizeY: 75e-6,
  });
  const encoding = parseV1Encoding('bs16-lz4<', 'uint16');
  const frame = (seed: number) => {
    const pixels = Uint16Array.from({ length: W * H }, (_, i) => (i * seed) % 1000);
    return { blob: encodePixels(pixels, encoding), sum: pixels.reduce((a, v) => a + v, 0) };
  };
  const task = (id: number) => taskHeader(id, W, H, { encoding });

  it('analyses the bytes its slots hold, and drops tasks sent before its new welcome after a reset', async () => {
    const broker = new Router({ linger: 0 });
    await broker.bind('tcp://127.0.0.1:*');
    // The analyser reports the sum of the decoded pixels: proof of which bytes were read.
    const worker = new PoolWorker({
      connect: broker.lastEndpoint!,
      path: 'good',
      credit: 2,
      slotBytes: 64 * 1024,
      logger: pino({ level: 'silent' }),
      makeAnalyser: () => ({ analyse: (pixels) => ({ total_intensity: sumOf(pixels) }) as never }),
    });
    const running = worker.run();
    const inbox = broker[Symbol.asyncIterator]();
    const next = async (type: string): Promise<[Buffer, Seen]> => {
      for (;;) {
        const { value, done } = await inbox.next();
        if (done || !value[0] || !value[1]) throw new Error('the broker socket closed');
        const msg = decode(value[1]) as Seen;
        if (msg['t'] === type) return [value[0], msg];
      }
    };
    const send = (rid: Buffer, msg: object) => broker.send([rid, encode(msg)]);
    const welcome = { t: 'welcome', heartbeatMs: 1000, config: {}, shm: true };

    const [rid, hello] = await next('hello');
    expect(hello['shm']).toMatchObject({ slots: 2, slotBytes: 64 * 1024 });
    const slots = SharedFrameSlots.attach(hello.shm, ANY_SIZE);
    await send(rid, welcome);
    await send(rid, { t: 'series', setup });
    await next('ready');

    const f1 = frame(3);
    const region = hello.shm!.name as string;
    const slot = slots.claim(1, f1.blob);
    await send(rid, { t: 'task', task: task(1), slot, length: f1.blob.byteLength, region });
    const [, r1] = await next('result');
    expect(r1['id']).toBe(1);
    expect(r1.result!.total_intensity).toBe(f1.sum);

    // After a reset the worker offers fresh slots; a task still queued from before its new
    // welcome names memory the pipeline may be reusing, so it is dropped, not answered.
    await send(rid, { t: 'reset' });
    const [, hello2] = await next('hello');
    expect(hello2.shm!.name).not.toBe(hello.shm!.name);
    expect(existsSync(`/dev/shm${region}`)).toBe(false); // the worker let go of the old region
    await send(rid, { t: 'task', task: task(2), slot: 0, length: f1.blob.byteLength, region });
    const region2 = hello2.shm!.name as string;
    const slots2 = SharedFrameSlots.attach(hello2.shm, ANY_SIZE);
    await send(rid, welcome);
    // Also stale: a task naming the earlier region, even after the new welcome.
    await send(rid, { t: 'task', task: task(5), slot: 0, length: f1.blob.byteLength, region });
    const f3 = frame(7);
    await send(rid, {
      t: 'task',
      task: task(3),
      slot: slots2.claim(3, f3.blob),
      length: f3.blob.byteLength,
      region: region2,
    });
    const [, r3] = await next('result');
    expect(r3['id']).toBe(3);
    expect(r3.result!.total_intensity).toBe(f3.sum);
    expect(worker.staleTasks).toBe(2);

    // A task naming a slot that does not exist is answered as a failure, not read.
    await send(rid, { t: 'task', task: task(4), slot: 5, length: 10, region: region2 });
    const [, failed] = await next('failed');
    expect(failed).toMatchObject({ id: 4, code: 'no-data' });

    worker.stop();
    await running;
    broker.close();
    expect(existsSync(`/dev/shm${region2}`)).toBe(false);
  });
});

describe("the pipeline's broker lending slots to a local worker", () => {
  const W = 64;
  const H = 64;
  const encoding = parseV1Encoding('bs16-lz4<', 'uint16');

  it('sends frames that fit through shared memory and larger ones over the socket, with the right bytes either way, and lets go of the region when the worker leaves', async () => {
    const broker = new WorkerBroker({
      endpoint: 'tcp://127.0.0.1:0',
      heartbeatMs: 1000,
      taskTimeoutMs: 60_000,
      maxSlotBytes: 1 << 20,
      logger: pino({ level: 'silent' }),
      workerConfig: {},
    });
    const results = new Map<number, number>();
    let joined = '';
    let left = '';
    const dispatcher: PathDispatcher = {
      addWorker: (id) => (joined = id),
      seriesReady: () => undefined,
      grant: () => undefined,
      removeWorker: (id) => (left = id),
      oldestSentAt: () => null,
      onWorkerMessage: (_id, msg) => {
        if (msg.t === 'result')
          results.set(msg.id, (msg.result as unknown as { total_intensity: number }).total_intensity);
        return true;
      },
    };
    broker.registerPath('good', dispatcher);
    await broker.bind();
    // Regions other tests mapped (and left to the garbage collector) are not this test's.
    const earlier = new Set(readFileSync('/proc/self/maps', 'utf8').split('\n'));
    const worker = new PoolWorker({
      connect: broker.localEndpoint!,
      path: 'good',
      credit: 2,
      slotBytes: 2048,
      logger: pino({ level: 'silent' }),
      makeAnalyser: () => ({ analyse: (pixels) => validResultBody({ total_intensity: sumOf(pixels) }) as never }),
    });
    const running = worker.run();
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 400 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(cond()).toBe(true);
    };
    await until(() => joined !== '');
    const setup = testSetup(W, H);
    broker.send(joined, { t: 'series', setup });
    // Smooth frames compress below the 2 kB slot; a noisy one does not.
    const sums = new Map<number, number>();
    for (let id = 1; id <= 6; id++) {
      const noisy = id === 4;
      const pixels = Uint16Array.from(
        { length: W * H },
        (_, i) => (noisy ? (i * 2654435761 + id) % 65521 : (i >> 6) + id) & 0xffff,
      );
      const blob = encodePixels(pixels, encoding);
      expect(blob.byteLength > 2048).toBe(noisy);
      sums.set(
        id,
        pixels.reduce((a, v) => a + v, 0),
      );
      broker.send(joined, { t: 'task', task: taskHeader(id, W, H, { encoding }) }, blob);
      // Two slots: wait for answers so a slot is free again (as credit would make the pipeline do).
      if (id % 2 === 0) await until(() => results.size === id);
    }
    await until(() => results.size === 6);
    for (const [id, sum] of sums) expect(results.get(id), `frame ${id}`).toBe(sum);
    expect(broker.tasksShared).toBe(5);
    expect(broker.tasksInline).toBe(1);

    const maps = () =>
      readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .filter((l) => l.includes('/stream-pipeline-') && !earlier.has(l)).length;
    expect(maps()).toBe(2); // the broker's mapping and the worker's, both in this test process
    expect(readdirSync('/dev/shm').filter((n) => n.startsWith(`stream-pipeline-${process.pid}-`))).toEqual([]); // unlinked once mapped
    worker.stop();
    await running;
    await until(() => left === joined);
    expect(maps()).toBe(0);
    await broker.close();
  });

  it("counts and logs, with the worker's reason, a local worker that could not make its slots, and sends it frames over the socket", async () => {
    const lines: string[] = [];
    const broker = new WorkerBroker({
      endpoint: 'tcp://127.0.0.1:0',
      heartbeatMs: 1000,
      taskTimeoutMs: 60_000,
      maxSlotBytes: 1 << 20,
      logger: pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }),
      workerConfig: {},
    });
    let joined = '';
    const answered: number[] = [];
    broker.registerPath('good', {
      addWorker: (id) => (joined = id),
      seriesReady: () => undefined,
      grant: () => undefined,
      removeWorker: () => undefined,
      oldestSentAt: () => null,
      onWorkerMessage: (_id, msg) => (answered.push(msg.id), true),
    });
    await broker.bind();
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 250 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(cond()).toBe(true);
    };
    // Slots larger than any region may be cannot be made (as on a full /dev/shm, tested with a
    // real one in pipeline-shm-full.test.ts): the worker joins without them and says why.
    const worker = new PoolWorker({
      connect: broker.localEndpoint!,
      path: 'good',
      credit: 1,
      slotBytes: MAX_SLOT_BYTES + 1,
      logger: pino({ level: 'silent' }),
      makeAnalyser: () => ({ analyse: () => validResultBody() as never }),
    });
    const running = worker.run();
    await until(() => joined !== '');
    expect(broker.workersWithoutSharedMemory).toBe(1);
    const said = lines.filter((l) => l.includes('worker has no shared memory for frames'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`slot size ${MAX_SLOT_BYTES + 1} is not in`);
    broker.send(joined, { t: 'series', setup: testSetup(8, 8) });
    broker.send(joined, { t: 'task', task: taskHeader(1, 8, 8) }, new Uint8Array(128));
    await until(() => answered.includes(1));
    expect(broker.tasksInline).toBe(1);
    expect(broker.tasksShared).toBe(0);
    worker.stop();
    await running;
    await broker.close();
  });
});
