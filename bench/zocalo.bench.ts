// Results into RabbitMQ (a private broker started here, as the tests start theirs): how many
// per-image result messages a second the Zocalo sink gets confirmed, next to amqplib publishing
// the same bodies on a confirm channel with nothing around it (the library's own ceiling here);
// and the whole pipeline with publishing on, next to the same run with it off.
import { connect } from 'amqplib';
import pino from 'pino';
import type { BenchReport } from './report.js';
import { FRAMES, runTwice, type RunResult } from './pipelineRun.js';
import { rabbitmqMissing, TestBroker } from '../tools/rabbitmq/TestBroker.js';
import { ZocaloSink } from '../src/sinks/zocalo/ZocaloSink.js';
import { defaultRecipe } from '../src/sinks/zocalo/recipe.js';
import { envelope, perImageResult } from '../src/sinks/zocalo/zocaloMessages.js';
import type { FrameResult, SeriesRecord } from '../src/sinks/records.js';

const MESSAGES = Number(process.env['ZOCALO_BENCH_MESSAGES'] ?? 50_000);

function result(frame: number): FrameResult {
  return {
    run: 1,
    series: 1,
    frame,
    path: 'good',
    n_spots: 120,
    n_spots_no_ice: 110,
    n_spots_4A: 60,
    hit: true,
    d_min: 2.1,
    total_intensity: 123456,
    saturated_pixels: 0,
    background: 1.2,
    spots: [],
    radial: [],
    separation: [],
    flags: [],
    timing: { decode: 1, analysis: 10, total: 11, wait: 0 },
    receivedAt: Date.now(),
  };
}

const record = {
  type: 'series',
  series: 1,
  series_unique_id: 'B',
  radial_q: [],
  grid_scan: null,
} as unknown as SeriesRecord;

async function sinkRate(url: string): Promise<number> {
  const sink = new ZocaloSink({
    url: new URL(url),
    vhost: '/',
    credentials: { username: 'guest', password: 'guest' },
    routes: defaultRecipe(`bench.sink.${process.pid}`),
    outbox: { memoryBytes: 512 * 1024 * 1024, diskBytes: 1024 * 1024 * 1024 },
    spillDir: null,
    statusIntervalMs: 6000,
    logger: pino({ level: 'silent' }),
    utilization: () => 1,
  });
  sink.start();
  while (!sink.counters.connected) await new Promise((r) => setTimeout(r, 20));
  sink.series(record, 1);
  const t0 = performance.now();
  for (let i = 0; i < MESSAGES; i++) sink.frame(result(i));
  while (sink.counters.confirmed < MESSAGES + 1) await new Promise((r) => setTimeout(r, 5));
  const rate = MESSAGES / ((performance.now() - t0) / 1000);
  await sink.close();
  return rate;
}

/** amqplib alone: the same bodies, persistent, on a confirm channel, a window of 2000. */
async function rawRate(url: string): Promise<number> {
  const model = await connect(url);
  const ch = await model.createConfirmChannel();
  const queue = `bench.raw.${process.pid}`;
  await ch.assertQueue(queue, { durable: true });
  const routes = defaultRecipe(queue);
  const ctx = { dcid: 1, file: 'f', series: 1, seriesUniqueId: 'B', environmentId: 'E' };
  const bodies = Array.from({ length: 1000 }, (_, i) =>
    envelope(routes, routes.of('result')[0]!, ctx, perImageResult(result(i), ctx)),
  );
  let confirmed = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (sent < MESSAGES && sent - confirmed < 2000) {
        const ok = ch.sendToQueue(queue, bodies[sent % bodies.length]!, { persistent: true }, () => {
          if (++confirmed === MESSAGES) resolve();
          else if (sent < MESSAGES && sent - confirmed < 1000) setImmediate(pump);
        });
        sent++;
        if (!ok) return void ch.once('drain', pump);
      }
    };
    pump();
  });
  const rate = MESSAGES / ((performance.now() - t0) / 1000);
  await ch.deleteQueue(queue);
  await model.close();
  return rate;
}

export default async function (report: BenchReport): Promise<void> {
  const missing = rabbitmqMissing();
  if (missing) {
    process.stdout.write(`zocalo bench skipped: ${missing}\n`);
    return;
  }
  const broker = await TestBroker.start();
  try {
    const raw = await rawRate(broker.url);
    const sink = await sinkRate(broker.url);
    report.add({
      name: 'result messages to RabbitMQ, persistent with publisher confirms',
      value: sink,
      unit: 'messages/s',
      higherIsBetter: true,
      reference: { name: 'amqplib alone, same bodies, confirm channel', value: raw },
      target: '>= 5,000 messages/s',
      note: `${MESSAGES} recipe-wrapped per-image results, confirmed by a local broker (Debian rabbitmq-server)`,
    });
    const off: RunResult[] = [];
    const on: RunResult[] = [];
    for (let i = 0; i < 2; i++) {
      off.push(await runTwice({ fast: 1, good: 1, rate: '120' }));
      on.push(await runTwice({ fast: 1, good: 1, rate: '120', zocaloUrl: broker.url }));
    }
    const mean = (runs: RunResult[], f: (r: RunResult) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
    const good = (r: RunResult) => r.steady.rate_fps.good as number;
    const p99 = (r: RunResult) => r.steady.latency_ms.fast.p99 ?? Number.NaN;
    const each = (runs: RunResult[], f: (r: RunResult) => number) => runs.map((r) => f(r).toFixed(1)).join(', ');
    const note = `${FRAMES} EIGER2 4M uint32 frames per series at 120 frames/s, both paths, second series; 2 runs each side, alternating`;
    report.add({
      name: 'good path frames/s with results published to RabbitMQ',
      value: mean(on, good),
      unit: 'frames/s',
      higherIsBetter: true,
      reference: { name: 'publishing off, same run', value: mean(off, good) },
      target: 'within 5 % of the reference',
      note: `${note}; on ${each(on, good)}, off ${each(off, good)}`,
    });
    report.add({
      name: 'fast path latency p99 with results published to RabbitMQ',
      value: mean(on, p99),
      unit: 'ms',
      higherIsBetter: false,
      reference: { name: 'publishing off, same run', value: mean(off, p99) },
      target: 'within 5 % of the reference',
      note: `${note}; on ${each(on, p99)}, off ${each(off, p99)}`,
    });
  } finally {
    await broker.stop();
  }
}
