// Simulator throughput: frame synthesis per 4M frame, and how many 4M uint32 frames per second the
// simulator sends (pre-encoded pool, per-message headers and times) to a PULL consumer in a child
// process that only counts messages. Reference, same run: the transport ceiling, i.e. raw ZeroMQ
// PUSH->PULL of the same pool messages with nothing built per message. Target: >= 500 frames/s.
//
// Run: npx tsc -p . && node dist/bench/run.js simulate     (SIMULATE_BENCH_FRAMES=n to change 2000)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pull, Push } from 'zeromq';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { DetectorSimulator } from '../src/simulator/DetectorSimulator.js';
import { synthesizeFrameInto, type SynthOptions } from '../src/simulator/FrameSynth.js';
import { FramePool } from '../src/simulator/FramePool.js';
import { makeSimulatedSeries } from '../src/simulator/SimulatedSeries.js';
import { Stream1Encoder } from '../src/simulator/Stream1Encoder.js';
import { messageKind } from '../tools/replay/messageKind.js';
import type { BenchReport } from './report.js';

const CONSUMER_FLAG = '--simulate-bench-consumer';
const FRAMES = Number(process.env['SIMULATE_BENCH_FRAMES'] ?? 2000);
const POOL = 16;

// ---------------------------------------------------------------- consumer (child process)

async function runConsumer(endpoint: string): Promise<void> {
  const pull = new Pull({ receiveHighWaterMark: 64, linger: 0 });
  pull.connect(endpoint);
  let frames = 0;
  let t0 = 0n;
  for (;;) {
    const parts = await pull.receive();
    const kind = messageKind(parts);
    if (kind === 'header') t0 = process.hrtime.bigint();
    else if (kind === 'image') frames++;
    else if (kind === 'end') break;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.send!({ frames, seconds });
  pull.close();
}

function startConsumer(endpoint: string): Promise<{ frames: number; seconds: number }> {
  const child = fork(fileURLToPath(import.meta.url), [CONSUMER_FLAG, endpoint], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m as { frames: number; seconds: number }));
    child.once('exit', (code) => code !== 0 && reject(new Error(`consumer exited with ${String(code)}`)));
  });
}

// ---------------------------------------------------------------- measurements

function measureSynthesis(report: BenchReport): void {
  const model = detectorModel('eiger2-4m');
  const options: SynthOptions = { dtype: 'uint32', hitFraction: 1, iceRings: true, splitSpots: false };
  const pixels = new Uint32Array(model.pixelCount);
  synthesizeFrameInto(model, options, 0, 1, pixels); // builds the per-model tables
  const n = 10;
  let t = performance.now();
  for (let i = 0; i < n; i++) synthesizeFrameInto(model, options, i, 1, pixels);
  const synthMs = (performance.now() - t) / n;
  // Reference: one Math.random() per pixel, the cost of merely touching every pixel with a generator.
  t = performance.now();
  for (let k = 0; k < n; k++) for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.random() * 4) | 0;
  const randomMs = (performance.now() - t) / n;
  report.add({
    name: 'synthesise 4M uint32 hit frame (Poisson background, ice rings, spots)',
    value: synthMs,
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: { name: 'Math.random() per pixel', value: randomMs },
    target: '< 1000 ms',
  });
}

async function measureSimulator(report: BenchReport, stream: 1 | 2, reference: number): Promise<void> {
  const sim = new DetectorSimulator({
    detector: 'eiger2-4m',
    frames: FRAMES,
    rate: 'max',
    stream,
    dtype: 'uint32',
    hitFraction: 0.5,
    iceRings: false,
    splitSpots: false,
    seed: 1,
    bind: 'tcp://127.0.0.1:*',
    series: 1,
    seriesCount: 1,
    headerDetail: 'basic',
    poolSize: POOL,
  });
  await sim.prepare();
  const endpoint = await sim.bind();
  const consumer = startConsumer(endpoint);
  await sim.run();
  const { frames, seconds } = await consumer;
  sim.close();
  report.add({
    name: `simulator V${stream} 4M uint32 send rate (pool ${POOL}, ${(sim.framePool.encodedBytes / POOL / 1e6).toFixed(2)} MB/frame)`,
    value: frames / seconds,
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: 'raw PUSH->PULL of the same messages', value: reference },
    target: '>= 500 frames/s',
  });
}

/** The transport ceiling: pre-built V1 messages sent in a loop. */
async function measureRawTransport(): Promise<number> {
  const model = detectorModel('eiger2-4m');
  const pool = new FramePool({
    model,
    synth: { dtype: 'uint32', hitFraction: 0.5, iceRings: false, splitSpots: false },
    seed: 1,
    size: POOL,
  });
  await pool.fill();
  const encoder = new Stream1Encoder(
    makeSimulatedSeries({
      model,
      dtype: 'uint32',
      series: 1,
      nimages: FRAMES,
      frameTime: 0.002,
      headerDetail: 'basic',
    }),
  );
  const messages = Array.from({ length: POOL }, (_, i) => {
    const f = pool.frame(i);
    return encoder.image(i, f.blob, f.md5);
  });
  const push = new Push({ sendHighWaterMark: 16, linger: 30_000 });
  await push.bind('tcp://127.0.0.1:*');
  const consumer = startConsumer(push.lastEndpoint!);
  await push.send(encoder.header());
  for (let i = 0; i < FRAMES; i++) await push.send(messages[i % POOL]!);
  await push.send(encoder.end());
  const { frames, seconds } = await consumer;
  push.close();
  return frames / seconds;
}

export default async function (report: BenchReport): Promise<void> {
  measureSynthesis(report);
  const reference = await measureRawTransport();
  await measureSimulator(report, 1, reference);
  await measureSimulator(report, 2, reference);
}

if (process.argv[2] === CONSUMER_FLAG) {
  runConsumer(process.argv[3]!).catch((err: unknown) => {
    process.stderr.write(`consumer: ${String(err)}\n`);
    process.exit(1);
  });
}
