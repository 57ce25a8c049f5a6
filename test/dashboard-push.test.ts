// The dashboard's push, over a real WebSocket: a page that connects mid-series gets the current
// state and the latest hit image at once; however fast results come, at most 10 states a
// second go out, and none while nothing changed (beyond one a second); the page never gets
// per-frame records.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Dashboard } from '../src/dashboard/Dashboard.js';
import { DashboardPush } from '../src/dashboard/DashboardPush.js';
import { HttpServer } from '../src/dashboard/HttpServer.js';
import { SeriesTally } from '../src/stages/collector/SeriesTally.js';
import { frameResult, pipelineHealth, seriesRecordFor } from './helpers/dashboardInputs.js';

const record = seriesRecordFor({ series: 3, number_of_images: 100_000 });

/** A hit of series 3, on the fast path for odd images; with a tiny picture when asked. */
function result(frame: number, preview = false) {
  return frameResult(frame, {
    series: 3,
    path: frame % 2 ? 'fast' : 'good',
    n_spots: 30,
    n_spots_no_ice: 30,
    n_spots_4A: 10,
    hit: true,
    d_min: 2,
    spots: [[1, 2, 3]],
    receivedAt: Date.now(),
    ...(preview ? { preview: { bin: 1, width: 1, height: 1, pixels: new Uint8Array([7, 0]) } } : {}),
  });
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setUp() {
  const tally = new SeriesTally(1, 3, 100_000);
  const dashboard = new Dashboard({
    setup: 'push test',
    tally: () => tally,
    health: () => pipelineHealth(),
  });
  // The server's welcome needs the push, which needs the server's channel.
  const late: { push?: DashboardPush } = {};
  const http = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    registry: new Registry(),
    status: () => ({}),
    onDashboardClient: (client) => late.push!.welcome(client),
  });
  const push = new DashboardPush(dashboard, http.dashboard);
  late.push = push;
  const port = await http.listen();
  cleanup.push(
    () => http.close(),
    () => push.stop(),
  );
  const connect = async () => {
    const messages: { type: string; seq?: number; current?: { counts: { received: number } } }[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.on('message', (m) => messages.push(JSON.parse(m.toString())));
    await new Promise((r) => ws.once('open', r));
    cleanup.push(() => ws.terminate());
    return messages;
  };
  return { dashboard, push, tally, connect };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the dashboard push', () => {
  it('gives a page that connects mid-series the current state and the latest hit at once', async () => {
    const { dashboard, tally, connect } = await setUp();
    dashboard.series(record, 1);
    tally.received = 42;
    for (let i = 0; i < 10; i++) dashboard.frame(result(i, i === 5));
    const messages = await connect();
    await pause(200); // the push timer is not running: whatever came, came from the welcome
    expect(messages.map((m) => m.type)).toEqual(['state', 'preview']);
    expect(messages[0]!.current!.counts.received).toBe(42);
    expect(messages[1]).toMatchObject({ type: 'preview', image: 5, series: 3 });
  });

  it('sends at most ten states a second whatever the result rate, and no frame records', async () => {
    const { dashboard, push, connect } = await setUp();
    dashboard.series(record, 1);
    const messages = await connect();
    messages.length = 0;
    push.start();
    // 4,000 results over about a second (4 kHz), each a change.
    for (let i = 0; i < 40; i++) {
      for (let k = 0; k < 100; k++) dashboard.frame(result(i * 100 + k));
      await pause(25);
    }
    push.stop();
    const states = messages.filter((m) => m.type === 'state');
    const elapsed = 40 * 25; // at least this long, in ms
    expect(states.length).toBeGreaterThan(0);
    expect(states.length).toBeLessThanOrEqual(Math.ceil(elapsed / 100) + 3);
    expect(messages.every((m) => m.type === 'state' || m.type === 'preview')).toBe(true);
    // seq counts every state made, so a page can tell it skipped none here.
    const seqs = states.map((m) => m.seq!);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('sends nothing new while nothing changes, but for one state a second', async () => {
    const { dashboard, push, connect } = await setUp();
    dashboard.series(record, 1);
    const messages = await connect();
    dashboard.state(); // as if pushed: nothing has changed since
    messages.length = 0;
    push.start();
    await pause(1500);
    push.stop();
    expect(messages.filter((m) => m.type === 'state').length).toBeLessThanOrEqual(2);
  });
});
