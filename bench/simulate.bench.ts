// Simulator throughput: frame synthesis per 4M frame, and how many 4M and 16M uint32 frames per
// second the simulator sends as V1 and as V2 (pre-encoded pool, per-message headers and times) to a
// PULL consumer in a child process that only counts messages. Reference, same run: the transport
// ceiling, i.e. raw ZeroMQ PUSH->PULL of the same stream's pool messages, built once beforehand.
// Targets: >= 500 frames/s for 4M; 16M at >= 0.8x raw ZeroMQ, V1 and V2.
//
// Run: npm run bench -- simulate   (SIMULATE_BENCH_FRAMES=n for 4M (2000), SIMULATE_BENCH_FRAMES_16M
// for 16M (500), SIMULATE_BENCH_ROUNDS (2))
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Pull, Push } from 'zeromq';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { DetectorSimulator } from '../src/simulator/DetectorSimulator.js';
import { synthesizeFrameInto, type SynthOptions } from '../src/simulator/FrameSynth.js';
import { FramePool } from '../src/simulator/FramePool.js';
import { makeSimulatedSeries } from '../src/simulator/SimulatedSeries.js';
import { Stream1Encoder } from '../src/simulator/Stream1Encoder.js';
import { Stream2Encoder } from '../src/simulator/Stream2Encoder.js';
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

const FRAMES_16M = Number(process.env['SIMULATE_BENCH_FRAMES_16M'] ?? 500);
/** Interleaved rounds, best of each: the machine is shared, a single run is at the mercy of the rest. */
const ROUNDS = Number(process.env['SIMULATE_BENCH_ROUNDS'] ?? 2);

type Detector = 'eiger2-4m' | 'eiger2-16m';

function simulator(detector: Detector, stream: 1 | 2, frames: number): DetectorSimulator {
  return new DetectorSimulator({
    detector,
    frames,
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
}

/** One series from a fresh simulator, in frames per second at the consumer. */
async function simulatorRate(detector: Detector, stream: 1 | 2, frames: number): Promise<number> {
  const sim = simulator(detector, stream, frames);
  await sim.prepare();
  const consumer = startConsumer(await sim.bind());
  await sim.run();
  const r = await consumer;
  sim.close();
  return r.frames / r.seconds;
}

/** The same series' messages, built once before sending (one per pool entry) and sent in a loop. */
function rawMessages(
  pool: FramePool,
  detector: Detector,
  stream: 1 | 2,
  frames: number,
): { header: Buffer | Buffer[]; images: Array<Buffer | Buffer[]>; end: Buffer | Buffer[] } {
  const setup = makeSimulatedSeries({
    model: detectorModel(detector),
    dtype: 'uint32',
    series: 1,
    nimages: frames,
    frameTime: 0.002,
    headerDetail: 'basic',
  });
  const frame = (i: number) => pool.frame(i);
  if (stream === 1) {
    const v1 = new Stream1Encoder(setup);
    const images = Array.from({ length: POOL }, (_, i) => v1.image(i, frame(i).blob, frame(i).md5));
    return { header: v1.header(), images, end: v1.end() };
  }
  const v2 = new Stream2Encoder(setup);
  return {
    header: v2.start(),
    images: Array.from({ length: POOL }, (_, i) => v2.image(i, frame(i).blob)),
    end: v2.end(),
  };
}

/** The transport ceiling: pre-built messages sent in a loop, nothing built per message. */
async function rawRate(messages: ReturnType<typeof rawMessages>, frames: number): Promise<number> {
  const push = new Push({ sendHighWaterMark: 16, linger: 30_000 });
  await push.bind('tcp://127.0.0.1:*');
  const consumer = startConsumer(push.lastEndpoint!);
  await push.send(messages.header);
  for (let i = 0; i < frames; i++) await push.send(messages.images[i % POOL]!);
  await push.send(messages.end);
  const { frames: received, seconds } = await consumer;
  push.close();
  return received / seconds;
}

async function measureStreams(report: BenchReport, detector: Detector, frames: number, target: string): Promise<void> {
  const pool = new FramePool({
    model: detectorModel(detector),
    synth: { dtype: 'uint32', hitFraction: 0.5, iceRings: false, splitSpots: false },
    seed: 1,
    size: POOL,
  });
  await pool.fill();
  const mb = (pool.encodedBytes / POOL / 1e6).toFixed(2);
  const size = detector === 'eiger2-4m' ? '4M' : '16M';
  for (const stream of [1, 2] as const) {
    const messages = rawMessages(pool, detector, stream, frames);
    const raws: number[] = [];
    const sims: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      raws.push(await rawRate(messages, frames));
      sims.push(await simulatorRate(detector, stream, frames));
    }
    report.add({
      name: `simulator V${stream} ${size} uint32 send rate (pool ${POOL}, ${mb} MB/frame)`,
      value: Math.max(...sims),
      unit: 'frames/s',
      higherIsBetter: true,
      reference: { name: `raw PUSH->PULL of the same V${stream} messages`, value: Math.max(...raws) },
      target,
      note: `best of ${ROUNDS} interleaved rounds of ${frames} frames; simulator ${sims.map((v) => v.toFixed(0)).join('/')}, raw ${raws.map((v) => v.toFixed(0)).join('/')} frames/s`,
    });
  }
}

export default async function (report: BenchReport): Promise<void> {
  measureSynthesis(report);
  await measureStreams(report, 'eiger2-4m', FRAMES, '>= 500 frames/s');
  await measureStreams(report, 'eiger2-16m', FRAMES_16M, '>= 0.8x raw ZeroMQ');
}

if (process.argv[2] === CONSUMER_FLAG) {
  runConsumer(process.argv[3]!).catch((err: unknown) => {
    process.stderr.write(`consumer: ${String(err)}\n`);
    process.exit(1);
  });
}
