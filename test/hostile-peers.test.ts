// The pipeline as a hostile or careless peer on the beamline network finds it: each case
// attacks a running pipeline process (the real CLI, with real local workers) through one of
// its ports, then streams a series and checks that the process is still alive, the series was
// summarised with every frame processed and none lost, every record in the results file is
// well-formed, and the process's memory stayed within the good path's budget plus a margin.
import { spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { Dealer, Pull } from 'zeromq';
import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import { assertBuilt } from './helpers/cli.js';
import { validResultBody } from './helpers/frameResults.js';
import {
  alive,
  BUDGET_MB,
  expectHealthySeries,
  readResults,
  rssMb,
  seriesMessages,
  startTarget,
  stopTarget,
  summaryOf,
  uint32Image,
  type Target,
} from './helpers/hostileTarget.js';
import { readFileSync } from 'node:fs';
import { startCli } from './helpers/cli.js';

/** What the pipeline process may hold beyond the good path's budget: Node itself, the
 * receiver's and broker's buffers, and the garbage an attack leaves for the collector. */
const MARGIN_MB = 320;

const targets: Target[] = [];
const sockets: { close(): void }[] = [];

async function target(extraPipelineYaml = ''): Promise<Target> {
  const t = await startTarget(extraPipelineYaml);
  targets.push(t);
  return t;
}

beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const t of targets.splice(0)) await stopTarget(t);
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes raw bytes to a port and returns what came back before the peer closed (or 2 s). */
function rawExchange(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => s.write(bytes));
    setTimeout(done, 2000);
  });
}

/** A raw TCP connection that has completed the WebSocket handshake on `path` (the dashboard's
 * feed, or the per-frame record feed). */
function rawWebSocket(port: number, path = '/ws'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('error', reject);
    s.on('connect', () =>
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\n` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    s.once('data', (d) => (d.toString().startsWith('HTTP/1.1 101') ? resolve(s) : reject(new Error(d.toString()))));
  });
}

type TaskSeen = { id: number; run: number; series: number; frame: number };

/**
 * A worker driven by the test over TCP: it joins `path` with `credit`, heartbeats, answers each
 * task with `answer(task)` (null: no answer), and says hello again whenever it is reset.
 */
async function handWorker(
  t: Target,
  answer: (task: TaskSeen, n: number) => object | null,
  opts: { credit?: number; path?: string } = {},
) {
  const socket = workerPortPeer(t, { sendHighWaterMark: 100_000 });
  const hello = encode({ t: 'hello', path: opts.path ?? 'good', pid: 4242, host: 'rogue', credit: opts.credit ?? 4 });
  await socket.send(hello);
  let tasks = 0;
  let resets = 0;
  const beat = setInterval(() => void socket.send(encode({ t: 'heartbeat' })).catch(() => undefined), 100);
  void (async () => {
    for await (const [header] of socket) {
      const m = decode(header!) as { t: string; task?: TaskSeen };
      if (m.t === 'reset') {
        resets++;
        await socket.send(hello);
      }
      if (m.t === 'task') {
        const reply = answer(m.task!, tasks++);
        if (reply) await socket.send(reply instanceof Uint8Array ? reply : encode(reply));
      }
    }
  })()
    .catch(() => undefined)
    .finally(() => clearInterval(beat));
  return {
    get tasks() {
      return tasks;
    },
    get resets() {
      return resets;
    },
  };
}

/** A DEALER socket connected to the target's worker port, closed after the test. */
function workerPortPeer(t: Target, options: { sendHighWaterMark?: number; routingId?: string } = {}): Dealer {
  const d = new Dealer({ linger: 0, ...options });
  sockets.push(d);
  d.connect(t.workerEndpoint);
  return d;
}

async function expectSurvived(t: Target, series: number): Promise<void> {
  expect(alive(t), t.pipeline.stderr.slice(-2000)).toBe(true);
  const summary = await expectHealthySeries(t, series);
  expect(summary).toMatchObject({ received: 16, processed: 16, lost: 0 });
  expect(alive(t)).toBe(true);
  expect(rssMb(t)).toBeLessThan(BUDGET_MB + MARGIN_MB);
}

describe('a hostile peer on the worker port', () => {
  it('cannot make libzmq abort by claiming the routing ids the next workers would get', async () => {
    const t = await target();
    // Unseeded, libzmq numbers anonymous peers 0x00 + 0x6b8b4567, +1, ... in every process.
    for (let k = 0; k < 32; k++) {
      const id = Buffer.alloc(5);
      id.writeUInt32BE(0x6b8b4567 + k, 1);
      // A Buffer reaches libzmq byte for byte (a string would be UTF-8 encoded).
      const d = workerPortPeer(t, { routingId: id as unknown as string });
      await d.send(encode({ t: 'heartbeat' }));
    }
    await pause(300);
    const anonymous = workerPortPeer(t);
    await anonymous.send(encode({ t: 'heartbeat' }));
    await pause(500);
    await expectSurvived(t, 1);
  });

  it('survives a hello nested 20,000 levels deep and still answers /status', async () => {
    const t = await target();
    const d = workerPortPeer(t);
    const head = Buffer.from(encode({ t: 'hello', path: 'good', host: 'h', credit: 1, pid: 'X' }));
    const at = head.indexOf(Buffer.from(encode('X')));
    await d.send(
      Buffer.concat([head.subarray(0, at), Buffer.alloc(20_000, 0x91), Buffer.from([1]), head.subarray(at + 2)]),
    );
    await pause(300);
    const res = await fetch(`http://127.0.0.1:${t.httpPort}/status`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { badWorkerMessages: number }).badWorkerMessages).toBeGreaterThan(0);
    await expectSurvived(t, 1);
  });

  it('drops a 120 MB message without holding it (and the connection that sent it)', async () => {
    const t = await target();
    const d = workerPortPeer(t);
    // A msgpack array32 of 120 million empty arrays.
    const huge = Buffer.alloc(120 * 1024 * 1024, 0x90);
    huge[0] = 0xdd;
    huge.writeUInt32BE(huge.length - 5, 1);
    await d.send(huge);
    await pause(1500);
    expect(rssMb(t)).toBeLessThan(BUDGET_MB + MARGIN_MB);
    await expectSurvived(t, 1);
  });

  it('thins the log of a flood of malformed messages and counts every one', async () => {
    const t = await target();
    const d = workerPortPeer(t, { sendHighWaterMark: 100_000 });
    const n = 20_000;
    for (let i = 0; i < n; i++) await d.send(Buffer.from([0xc1, i & 0xff]));
    const statusNow = async () =>
      ((await (await fetch(`http://127.0.0.1:${t.httpPort}/status`)).json()) as { badWorkerMessages: number })
        .badWorkerMessages;
    for (let i = 0; i < 200 && (await statusNow()) < n; i++) await pause(50);
    expect(await statusNow()).toBe(n);
    const lines = t.pipeline.stderr.split('\n').filter((l) => l.includes('message from a worker dropped')).length;
    expect(lines).toBeGreaterThan(0);
    expect(lines).toBeLessThanOrEqual(20);
    await expectSurvived(t, 1);
  });
});

describe('a rogue worker', () => {
  /** One malformed result after another, each of a kind a probe sent. */
  const fabrications: ((task: TaskSeen) => object | Uint8Array)[] = [
    (task) => ({ t: 'result', id: task.id, result: validResultBody({ hit: 'no' }) }),
    (task) => ({ t: 'result', id: task.id, result: validResultBody({ n_spots: -5 }) }),
    (task) => ({ t: 'result', id: task.id, result: validResultBody({ flags: 'not-an-array' }) }),
    (task) => ({ t: 'result', id: task.id, result: validResultBody({ total_intensity: 'NaN', background: 'NaN' }) }),
    (task) => ({
      t: 'result',
      id: task.id,
      result: validResultBody({ n_spots: 200_000, spots: Array.from({ length: 200_000 }, () => [1, 2, 3]) }),
    }),
    (task) => {
      const head = Buffer.from(encode({ t: 'result', id: task.id, result: validResultBody({ spots: ['X'] }) }));
      const at = head.indexOf(Buffer.from(encode('X')));
      return Buffer.concat([head.subarray(0, at), Buffer.alloc(12_000, 0x91), Buffer.from([1]), head.subarray(at + 2)]);
    },
    // Well-formed, but it claims the frame is a hit with many spots: the honest path decides.
    (task) => ({ t: 'result', id: task.id, result: validResultBody({ type: 'summary', series: 99, hit: 'yes' }) }),
  ];

  it('writes nothing it fabricates: every malformed answer is refused and the frame analysed by an honest worker', async () => {
    const t = await target();
    const feed = new WebSocket(`ws://127.0.0.1:${t.httpPort}/ws/records`);
    sockets.push(feed);
    const records: { type?: string; series?: number }[] = [];
    feed.on('message', (m) => records.push(JSON.parse(m.toString()) as { type?: string }));
    await new Promise((r) => feed.once('open', r));
    const rogue = await handWorker(t, (task, n) => fabrications[n % fabrications.length]!(task) as object);
    await pause(300);
    await expectSurvived(t, 1);
    expect(rogue.tasks).toBeGreaterThan(0);
    const frames = readResults(t).filter((r) => r.type === 'frame' && r['path'] === 'good');
    expect(frames).toHaveLength(16);
    expect(frames.filter((f) => f['hit'] === true)).toHaveLength(0); // flat noise: no hits
    await pause(200);
    expect(records.filter((r) => r.type === 'summary')).toHaveLength(1);
    expect(records.filter((r) => r.type === undefined)).toHaveLength(0);
    expect(records.filter((r) => r.type === 'frame').every((r) => r.series === 1)).toBe(true);
  });

  it('cannot hold frames for ever by heart-beating and never answering', async () => {
    const t = await target('  task_timeout_s: 2\n');
    const silent = await handWorker(t, () => null);
    await pause(300);
    await expectSurvived(t, 1);
    expect(silent.tasks).toBeGreaterThan(0);
    expect(silent.resets).toBeGreaterThan(0);
  });

  it('cannot lose the frames it answers as failed: they are tried on another worker', async () => {
    const t = await target();
    const failing = await handWorker(t, (task) => ({
      t: 'failed',
      id: task.id,
      code: 'analysis-failed',
      detail: 'no',
    }));
    await pause(300);
    await expectSurvived(t, 1);
    expect(failing.tasks).toBeGreaterThan(0);
  });
});

describe('a hostile HTTP or WebSocket client', () => {
  it('gets an answer, not a crash, for request lines no URL parser takes', async () => {
    const t = await target();
    for (const line of [
      'GET //[ HTTP/1.1',
      'GET http://x:99999/ HTTP/1.1',
      'GET /status?%zz HTTP/1.1',
      'DELETE /status HTTP/1.1',
    ]) {
      const reply = await rawExchange(t.httpPort, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(reply, line).toMatch(/^HTTP\/1\.1 \d{3}/);
    }
    await expectSurvived(t, 1);
  });

  it('survives broken WebSocket frames: a 2^40-byte length, unmasked, opcode 3, RSV1, invalid UTF-8', async () => {
    const t = await target();
    const frames = [
      Buffer.from([0x82, 0xff, 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4]), // 2^40 bytes announced
      Buffer.from([0x81, 0x02, 0x68, 0x69]), // unmasked text
      Buffer.from([0x83, 0x80, 1, 2, 3, 4]), // reserved opcode 3
      Buffer.from([0xc1, 0x80, 1, 2, 3, 4]), // RSV1 without an extension
      Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28]), // invalid UTF-8 text
    ];
    for (const frame of frames) {
      const s = await rawWebSocket(t.httpPort);
      s.on('error', () => undefined);
      s.write(frame);
      await pause(100);
      s.destroy();
    }
    await pause(300);
    await expectSurvived(t, 1);
  });

  it('keeps clients that never read and clients that send huge messages from holding memory', async () => {
    const t = await target();
    // 300 clients that never read (their TCP windows fill), 10 that announce 95 MB messages.
    const idle: Socket[] = [];
    for (let i = 0; i < 300; i++) {
      const s = await rawWebSocket(t.httpPort, i % 2 ? '/ws' : '/ws/records').catch(() => null);
      if (s) {
        s.pause();
        s.on('error', () => undefined);
        idle.push(s);
      }
    }
    sockets.push({ close: () => idle.forEach((s) => s.destroy()) });
    for (let i = 0; i < 10; i++) {
      const s = await rawWebSocket(t.httpPort).catch(() => null);
      if (!s) continue;
      s.on('error', () => undefined);
      const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x05, 0xf0, 0, 0, 1, 2, 3, 4]); // 95 MB
      s.write(Buffer.concat([header, Buffer.alloc(1 << 20)]));
      sockets.push({ close: () => s.destroy() });
    }
    await expectSurvived(t, 1);
    const status = (await (await fetch(`http://127.0.0.1:${t.httpPort}/status`)).json()) as {
      http: { clients: number; clientsRefused: number; clientErrors: number };
    };
    expect(status.http.clients).toBeLessThanOrEqual(64);
    expect(status.http.clientsRefused + status.http.clientErrors).toBeGreaterThan(0);
  });
});

describe('a careless reader on the detector endpoint', () => {
  it('cannot take frames unnoticed: the summary names the images that never arrived, and the log says why', async () => {
    const t = await target();
    const m = seriesMessages(1, 16);
    await t.push.send(m.start);
    await pause(300);
    // Like `stream-pipeline inspect` on the detector's endpoint: the PUSH deals messages out between readers.
    const thief = new Pull({ linger: 0 });
    thief.connect(t.push.lastEndpoint!);
    await pause(500);
    for (const image of m.images) await t.push.send(image);
    let stolen = 0;
    for (;;) {
      const got = await Promise.race([thief.receive().then(() => true), pause(1000).then(() => false)]);
      if (!got) break;
      stolen++;
    }
    thief.close();
    await pause(500);
    await t.push.send(m.end);
    const summary = await summaryOf(t, 1);
    expect(stolen).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      received: 16 - stolen,
      processed: 16 - stolen,
      lost: stolen,
      lost_reasons: { 'never-received': stolen },
    });
    expect(summary['never_received_images']).not.toBe('');
    // The log line travels through a pipe and may land after the results file's summary.
    await t.pipeline.waitForStderr(/never arrived: is another reader connected to the detector/);
    const status = (await (await fetch(`http://127.0.0.1:${t.httpPort}/status`)).json()) as {
      imagesNeverReceived: number;
    };
    expect(status.imagesNeverReceived).toBe(stolen);
    await expectSurvived(t, 2);
  });
});

/** The local workers' pids, from /status. */
async function workerPids(t: Target): Promise<number[]> {
  const status = (await (await fetch(`http://127.0.0.1:${t.httpPort}/status`)).json()) as {
    workers: { pid: number }[];
  };
  return status.workers.map((w) => w.pid);
}

/** What a worker process may hold: Node, its tables for the few set-ups it keeps (about 150 MB
 * each for a 2048 x 2048 detector), a frame or two. (60 queued set-ups: 1.4 GB, measured.) */
const WORKER_MAX_MB = 1000;

describe('a hostile or broken detector stream', () => {
  it('cannot pile masks up at the workers with a burst of series starts', async () => {
    const t = await target();
    // 60 starts of a 2048 x 2048 detector, each with its 16 MB pixel mask and no frames.
    for (let i = 0; i < 60; i++) {
      // A different beam centre each time: no worker can reuse the tables it built before.
      const m = seriesMessages(100 + i, 0, {
        image_size_x: 2048,
        image_size_y: 2048,
        beam_center_x: 1000 + i,
        beam_center_y: 1024,
        pixel_mask: { threshold_1: uint32Image(2048, 2048) },
      });
      await t.push.send(m.start);
    }
    await pause(3000);
    expect(rssMb(t)).toBeLessThan(BUDGET_MB + MARGIN_MB);
    for (const pid of await workerPids(t)) expect(rssMb(t, pid), `worker ${pid}`).toBeLessThan(WORKER_MAX_MB);
    await expectSurvived(t, 1);
  });

  it('forwards nothing of a 100 MB unknown key in a series start to the workers', async () => {
    const t = await target();
    const m = seriesMessages(1, 16, { junk: 'x'.repeat(100 * 1024 * 1024) });
    await t.push.send(m.start);
    for (const image of m.images) await t.push.send(image);
    await t.push.send(m.end);
    const summary = await summaryOf(t, 1);
    expect(summary).toMatchObject({ received: 16, processed: 16, lost: 0 });
    // A worker on a 64 x 64 detector holds some 75 MB; had the key been forwarded, 270 MB (measured).
    for (const pid of await workerPids(t)) expect(rssMb(t, pid), `worker ${pid}`).toBeLessThan(200);
    await expectSurvived(t, 2);
  });

  it('analyses a series with absurd but finite geometry as one without geometry, naming why', async () => {
    const t = await target();
    const m = seriesMessages(1, 16, { incident_wavelength: 1e308, pixel_size_x: 1e-300 });
    await t.push.send(m.start);
    for (const image of m.images) await t.push.send(image);
    await t.push.send(m.end);
    const summary = await summaryOf(t, 1);
    expect(summary).toMatchObject({ received: 16, processed: 16, lost: 0 });
    const frames = readResults(t).filter((r) => r.type === 'frame' && r['series'] === 1);
    expect(frames.length).toBeGreaterThanOrEqual(16);
    expect(frames.every((f) => (f['flags'] as string[]).includes('no-geometry'))).toBe(true);
    expect(t.pipeline.stderr).toMatch(/wavelength 1e\+308 angstrom is outside/);
    await expectSurvived(t, 2);
  });
});

describe('the built-in simulator', () => {
  it('binds the configured host, not every interface', async () => {
    const port = 42_000 + Math.floor(Math.random() * 2000);
    const dir = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'sp-simbind-'),
    );
    const config = `${dir}/p.yaml`;
    (await import('node:fs')).writeFileSync(
      config,
      `detector:\n  endpoint: tcp://127.0.0.1:${port}\n  simulate:\n    frames: 50\n    rate: 5\n    dtype: uint16\npipeline:\n  worker_port: 0\n  fast:\n    workers: 0\n    min_workers: 0\n  good:\n    workers: 0\n    min_workers: 0\noutputs:\n  http_port: 0\n`,
    );
    const run = startCli(['--config', config], 60_000);
    sockets.push({ close: () => run.child.kill('SIGKILL') });
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    let listening: string[] = [];
    for (let i = 0; i < 100 && listening.length === 0; i++) {
      await pause(100);
      listening = readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === '0A')
        .map((f) => f[1]!);
    }
    expect(listening).toEqual([`0100007F:${hex}`]);
    // Killed, the pipeline leaves no simulator behind (it goes with its IPC channel).
    const simulators = () =>
      spawnSync('pgrep', ['-f', `simulate .*--bind tcp://127.0.0.1:${port}`], { encoding: 'utf8' }).stdout.trim();
    expect(simulators()).not.toBe('');
    run.child.kill('SIGKILL');
    for (let i = 0; i < 50 && simulators() !== ''; i++) await pause(100);
    expect(simulators()).toBe('');
    (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
  });
});

describe('a worker naming shared memory it does not own', () => {
  /** Says hello as a local good worker offering `layout`, answers tasks well, and returns the welcome. */
  async function helloWithSlots(t: Target, layout: { name: string; slots: number; slotBytes: number }, credit: number) {
    const d = workerPortPeer(t);
    await d.send(
      encode({
        t: 'hello',
        path: 'good',
        pid: process.pid,
        host: (await import('node:os')).hostname(),
        credit,
        shm: layout,
      }),
    );
    let welcome: Record<string, unknown> | null = null;
    void (async () => {
      for await (const [header] of d) {
        const m = decode(header!) as { t: string; task?: TaskSeen };
        if (m.t === 'welcome') welcome = m as Record<string, unknown>;
        if (m.t === 'task') await d.send(encode({ t: 'result', id: m.task!.id, result: validResultBody() }));
      }
    })().catch(() => undefined);
    for (let i = 0; i < 100 && !welcome; i++) await pause(20);
    return welcome as Record<string, unknown> | null;
  }
  const shmName = () =>
    `/stream-pipeline-${process.pid}-${(Math.random() * 2 ** 48).toString(16).padStart(12, '0').slice(0, 12)}`;

  it('does not map or write a region name that is a hard link to another file', async () => {
    const { linkSync, readFileSync: read, rmSync, writeFileSync } = await import('node:fs');
    const t = await target();
    const victim = `/dev/shm/sp-hostile-victim-${process.pid}`;
    const name = shmName();
    writeFileSync(victim, Buffer.alloc(256, 0x5a));
    linkSync(victim, `/dev/shm${name}`);
    sockets.push({
      close: () => {
        rmSync(victim, { force: true });
        rmSync(`/dev/shm${name}`, { force: true });
      },
    });
    const welcome = await helloWithSlots(t, { name, slots: 2, slotBytes: 128 }, 2);
    expect(welcome).toMatchObject({ t: 'welcome', shm: false });
    await expectSurvived(t, 1);
    expect(read(victim)).toEqual(Buffer.alloc(256, 0x5a));
  });

  it('does not reserve a sparse gigabyte a hello names', async () => {
    const { statSync, rmSync, writeFileSync, truncateSync } = await import('node:fs');
    const t = await target();
    const name = shmName();
    writeFileSync(`/dev/shm${name}`, '');
    truncateSync(`/dev/shm${name}`, 1024 * 1024 * 1024);
    sockets.push({ close: () => rmSync(`/dev/shm${name}`, { force: true }) });
    const welcome = await helloWithSlots(t, { name, slots: 16, slotBytes: 64 * 1024 * 1024 }, 16);
    expect(welcome).toMatchObject({ t: 'welcome', shm: false });
    expect(statSync(`/dev/shm${name}`).blocks).toBe(0);
    await expectSurvived(t, 1);
  });
});

describe('frames in oversized messages', () => {
  it('keeps the good path within its budget when every image carries megabytes of user data', async () => {
    const t = await target();
    const m = seriesMessages(1, 16);
    await t.push.send(m.start);
    // The same images, each with 8 MB of user data around it.
    const { Encoder, Tag } = await import('cbor-x');
    const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
    const px = new Uint16Array(64 * 64);
    for (let i = 0; i < 16; i++) {
      await t.push.send(
        Buffer.from(
          cbor.encode({
            type: 'image',
            series_id: 1,
            image_id: i,
            user_data: { blob: new Uint8Array(8 * 1024 * 1024) },
            data: { threshold_1: new Tag([[64, 64], new Tag(new Uint8Array(px.buffer), 69)], 40) },
          }),
        ),
      );
    }
    await t.push.send(m.end);
    const summary = await summaryOf(t, 1);
    expect(summary).toMatchObject({ received: 16, processed: 16, lost: 0 });
    expect(rssMb(t)).toBeLessThan(BUDGET_MB + MARGIN_MB);
    await expectSurvived(t, 2);
  });
});
