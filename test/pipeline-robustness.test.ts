// The pipeline under awkward but real situations, in-process with real sockets and real worker
// processes: several channels per image, a series id used twice, a backlog spanning many series,
// a series start no geometry can be made of, and a worker that sends garbage.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer, Push } from 'zeromq';
import { decode, encode } from '@msgpack/msgpack';
import { pino } from 'pino';
import { parseConfig } from '../src/config/loadConfig.js';
import { Pipeline } from '../src/stages/Pipeline.js';
import type { SeriesSummary } from '../src/sinks/records.js';
import { assertBuilt } from './helpers/cli.js';
import { smallSeriesMessages } from './helpers/smallSeries.js';
import { validResultBody } from './helpers/frameResults.js';

interface Harness {
  pipeline: Pipeline;
  push: Push;
  summaries: SeriesSummary[];
  running: Promise<void>;
  dir: string;
}

const harnesses: Harness[] = [];

async function start(
  pools = '  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 1\n    max_workers: 1',
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-robust-'));
  const config = parseConfig(
    `pipeline:\n  worker_port: 0\n  heartbeat_ms: 250\n${pools}\n    spill_dir: ${join(dir, 'spill')}\noutputs:\n  http_port: 0\nlogging:\n  level: warn\n`,
  );
  const push = new Push({ linger: 0 });
  await push.bind('tcp://127.0.0.1:*');
  const pipeline = new Pipeline({ config, logger: pino({ level: 'silent' }) });
  const summaries: SeriesSummary[] = [];
  pipeline.collector.on('summary', (s) => summaries.push(s));
  await pipeline.start();
  const running = pipeline.run(push.lastEndpoint!);
  const h = { pipeline, push, summaries, running, dir };
  harnesses.push(h);
  return h;
}

async function sendSeries(
  h: Harness,
  id: number,
  frames: number,
  extra: Record<string, unknown> = {},
  channels = ['threshold_1'],
): Promise<void> {
  const m = smallSeriesMessages(id, frames, { start: extra, channels });
  await h.push.send(m.start);
  for (const image of m.images) await h.push.send(image);
  await h.push.send(m.end);
}

async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

type TaskSeen = { id: number; run: number; series: number; frame: number };

/** A worker driven by the test over a real DEALER: it joins the good pool with `credit` and
 * answers each task with whatever `reply` returns (a well-behaved worker or a faulty one). */
async function handDrivenWorker(h: Harness, host: string, credit: number, reply: (task: TaskSeen) => object) {
  const endpoint = (h.pipeline.status() as { workerEndpoint: string }).workerEndpoint;
  const socket = new Dealer({ linger: 0 });
  socket.connect(endpoint);
  await socket.send(encode({ t: 'hello', path: 'good', pid: 1, host, credit }));
  const answering = (async () => {
    for await (const [header] of socket) {
      const m = decode(header!) as { t: string; task?: TaskSeen };
      if (m.t === 'stop') break;
      if (m.t === 'task') await socket.send(encode(reply(m.task!)));
    }
  })().catch(() => undefined);
  return {
    endpoint,
    close: async () => {
      socket.close();
      await answering;
    },
  };
}

const NO_LOCAL_WORKERS =
  '  fast:\n    workers: 0\n    min_workers: 0\n    max_workers: 0\n  good:\n    workers: 0\n    min_workers: 0\n    max_workers: 0';

beforeAll(() => assertBuilt());

afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    await h.pipeline.stop(2000);
    h.push.close();
    await h.running.catch(() => undefined);
    rmSync(h.dir, { recursive: true, force: true });
  }
});

describe('pipeline robustness', () => {
  it('analyses the first channel of a two-channel series and counts the other', async () => {
    const h = await start();
    await sendSeries(h, 1, 6, {}, ['threshold_1', 'threshold_2']);
    await until(() => h.summaries.length === 1);
    expect(h.summaries[0]).toMatchObject({
      series: 1,
      received: 6,
      processed: 6,
      lost: 0,
      frames_other_channels: 6,
      duplicates_dropped: 0,
    });
  });

  it('keeps two series that reuse one series id apart (detector restart)', async () => {
    const h = await start();
    await sendSeries(h, 3, 5);
    await sendSeries(h, 3, 7);
    await until(() => h.summaries.length === 2);
    expect(h.summaries.map((s) => [s.series, s.received, s.processed, s.lost])).toEqual([
      [3, 5, 5, 0],
      [3, 7, 7, 0],
    ]);
  });

  it('works off a good-path backlog spanning many series without losing frames, then forgets their set-ups', async () => {
    const h = await start();
    for (let s = 1; s <= 12; s++) await sendSeries(h, s, 8);
    await until(() => h.summaries.length === 12, 120_000);
    for (const s of h.summaries) expect(s).toMatchObject({ received: 8, processed: 8, lost: 0 });
    expect(h.pipeline.status()).toMatchObject({ setups: 0 });
  });

  it('analyses a series whose geometry no radial bins can be made of as one without geometry', async () => {
    const h = await start();
    await sendSeries(h, 1, 3, { incident_wavelength: 1e-320 });
    await sendSeries(h, 2, 3);
    await until(() => h.summaries.length === 2);
    expect(h.summaries.map((s) => s.processed)).toEqual([3, 3]);
  });

  it('counts a frame the detector sends twice under one image number once, and still ends the series', async () => {
    const h = await start();
    const m = smallSeriesMessages(5, 4, { imageIds: [0, 1, 1, 2, 3, 3] });
    await h.push.send(m.start);
    for (const image of m.images) await h.push.send(image);
    await h.push.send(m.end);
    await until(() => h.summaries.length === 1, 20_000);
    expect(h.summaries[0]).toMatchObject({
      received: 4,
      repeated_frames: 2,
      processed: 4,
      lost: 0,
      duplicates_dropped: 0,
    });
  });

  it('accounts each answer as the frame the worker was sent, whatever frame, series or path the answer names', async () => {
    const h = await start(NO_LOCAL_WORKERS);
    const frames: { frame: number; path: string }[] = [];
    h.pipeline.collector.on('frame', (r: { frame: number; path: string }) =>
      frames.push({ frame: r.frame, path: r.path }),
    );
    // Every answer names the same wrong frame, in another run, half of them on the other path.
    let n = 0;
    const liar = await handDrivenWorker(h, 'liar', 4, (t) => ({
      t: 'result',
      id: t.id,
      result: validResultBody({ run: 99, series: 99, frame: 1000, path: n++ % 2 ? 'fast' : 'good', receivedAt: 0 }),
    }));
    await sendSeries(h, 1, 4);
    await until(() => h.summaries.length === 1);
    expect(h.summaries[0]).toMatchObject({ received: 4, processed: 4, lost: 0, duplicates_dropped: 0 });
    expect(frames.map((f) => f.frame).sort()).toEqual([0, 1, 2, 3]);
    expect(frames.every((f) => f.path === 'good')).toBe(true);
    await liar.close();
  });

  it('gives up a frame its workers keep handing back, counting it lost, so the series still ends', async () => {
    const h = await start(NO_LOCAL_WORKERS);
    // Frame 2 always comes back 'no-setup' (as from a worker that cannot keep the set-up).
    const worker = await handDrivenWorker(h, 'forgetful', 2, (t) =>
      t.frame === 2
        ? { t: 'failed', id: t.id, code: 'no-setup', detail: 'forgot' }
        : { t: 'result', id: t.id, result: validResultBody() },
    );
    await sendSeries(h, 1, 4);
    await until(() => h.summaries.length === 1);
    expect(h.summaries[0]).toMatchObject({ received: 4, processed: 3, lost: 1, lost_reasons: { 'no-setup': 1 } });
    expect(h.pipeline.good.setupResends).toBe(3);
    await worker.close();
  });

  it("drops a worker's malformed messages and keeps serving the other workers", async () => {
    const h = await start(NO_LOCAL_WORKERS);
    const rogue = await handDrivenWorker(h, 'rogue', 1, (t) => ({ t: 'result', id: t.id, result: null }));
    const endpoint = rogue.endpoint;
    await sendSeries(h, 1, 4);
    await until(() => h.pipeline.broker.badResults > 0);
    // An honest worker still gets in and the series completes: the rogue's frame is redelivered
    // once the rogue stops answering properly and is declared dead... or goes to the honest one.
    await rogue.close();
    const { startCli } = await import('./helpers/cli.js');
    const honest = startCli(['worker', '--connect', endpoint, '--path', 'good'], 60_000);
    await until(() => h.summaries.length === 1);
    expect(h.summaries[0]).toMatchObject({ received: 4, processed: 4, lost: 0 });
    honest.child.kill('SIGTERM');
    await honest.done;
  });
});
