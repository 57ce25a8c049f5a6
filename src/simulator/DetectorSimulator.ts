// A simulated EIGER2 detector on the network: binds a ZeroMQ PUSH socket like the DCU (V1 on
// :9999, V2 on :31001), and for each series sends the header, N frames at a fixed rate (or as fast
// as the consumer takes them) and the end-of-series message. With a grid, the first series is a
// grid scan over a simulated crystal (SimulatedGrid.ts), its header describing the grid.
// Optionally writes the truth of every frame (hit, spots; a grid scan's cells and crystal) as
// JSON lines.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { Push } from 'zeromq';
import { detectorModel, type DetectorModel, type DetectorName } from './DetectorModel.js';
import { cellOfImage, MAX_GRID_IMAGES } from '../stages/grid/gridScan.js';
import type { EncodedFrame } from './EncodedFrame.js';
import { FramePool } from './FramePool.js';
import { isHitFrame, type SynthDtype, type SynthOptions } from './FrameSynth.js';
import { GridFrames } from './GridFrames.js';
import { gridHeaderAppendix, gridTruth, simulatedGrid, type SimulatedGrid } from './SimulatedGrid.js';
import {
  makeSimulatedSeries,
  type HeaderAppendix,
  type HeaderDetail,
  type SimulatedSeries,
} from './SimulatedSeries.js';
import { Stream1Encoder } from './Stream1Encoder.js';
import { Stream2Encoder } from './Stream2Encoder.js';
import { watchPeers } from './PeerCount.js';
import { ReusableImageMessages } from './ReusableImageMessages.js';

/** Loopback unless told otherwise (`--bind tcp://*:9999` serves the network). */
export const DEFAULT_BIND = { 1: 'tcp://127.0.0.1:9999', 2: 'tcp://127.0.0.1:31001' } as const;

export interface SimulatorOptions {
  detector: DetectorName;
  frames: number;
  /** Frames per second, or 'max' (as fast as the consumer takes them). */
  rate: number | 'max';
  stream: 1 | 2;
  dtype: SynthDtype;
  hitFraction: number;
  iceRings: boolean;
  splitSpots: boolean;
  seed: number;
  /** Endpoint to bind; defaults per stream version. "tcp://127.0.0.1:*" picks a free port. */
  bind?: string;
  /** First series id. */
  series: number;
  /** Number of series to send (Infinity = until stopped). */
  seriesCount: number;
  headerDetail: HeaderDetail;
  headerAppendix?: string;
  imageAppendix?: string;
  /** JSON-lines truth file path. */
  truthFile?: string;
  /** Distinct frames to pre-encode; 0 = synthesise every frame live. Default: chosen from the rate. */
  poolSize?: number;
  /** Upper bound on the pool's encoded bytes (and on the grid's). */
  poolMaxBytes?: number;
  /** The first series is a grid scan of cols x rows images (in place of `frames`); the others are
   * serial crystallography as without it. */
  grid?: { cols: number; rows: number };
}

/** What a series sends: its frames, its header appendix, and the grid it scans, if any. */
interface SeriesPlan {
  frames: number;
  frame(index: number): EncodedFrame;
  /** Its frames recur (a pool cycled), so their V2 messages are worth keeping for reuse. */
  recurring: boolean;
  headerAppendix?: HeaderAppendix;
  grid?: SimulatedGrid;
}

/** A source of frames, as progress notes describe it. */
export interface FrameSource {
  /** What its frames are for: "pool" (serial crystallography) or "grid". */
  name: string;
  live: boolean;
  capacity: number;
  size: number;
  encodedBytes: number;
}

export interface SeriesReport {
  series: number;
  frames: number;
  bytes: number;
  seconds: number;
}

/**
 * Pixels per second synthesis and encoding sustain comfortably on one core (~4 Hz for a 4M, ~1 Hz
 * for a 16M); slower streams make every frame live (all distinct), faster ones cycle a pool.
 */
const LIVE_PIXEL_RATE = 20e6;
const DEFAULT_POOL = 16;
/** Messages queued per peer before send waits: keeps memory bounded with multi-MB frames. */
const SEND_HWM = 16;
/** Image messages after which libzmq has released a message (ReusableImageMessages.ts): the
 * high-water mark's worth in the pipe and one in the engine, plus margin. */
const REUSE_LAG = SEND_HWM + 4;

export function defaultPoolSize(
  options: Pick<SimulatorOptions, 'rate' | 'frames' | 'detector' | 'hitFraction' | 'seed'>,
): number {
  const pixels = detectorModel(options.detector).pixelCount;
  if (options.rate !== 'max' && options.rate * pixels <= LIVE_PIXEL_RATE) return 0;
  if (options.frames <= DEFAULT_POOL) return Math.max(1, options.frames);
  // The pool repeats, so its own hit fraction is the stream's: of the sizes from 16 to 32, take
  // the one whose hits come closest to the fraction asked for (16 frames at 10 % hold 1 or 2).
  let best = DEFAULT_POOL;
  let bestError = Infinity;
  for (let n = DEFAULT_POOL; n <= Math.min(2 * DEFAULT_POOL, options.frames); n++) {
    let hits = 0;
    for (let i = 0; i < n; i++) if (isHitFrame(options.hitFraction, i, options.seed)) hits++;
    const error = Math.abs(hits / n - options.hitFraction);
    if (error < bestError - 1e-12) {
      best = n;
      bestError = error;
    }
  }
  return best;
}

export class DetectorSimulator {
  readonly options: SimulatorOptions;
  private readonly socket: Push;
  private readonly pool: FramePool;
  private readonly grid: { sample: SimulatedGrid; frames: GridFrames } | null;
  private readonly v2Messages = new ReusableImageMessages(REUSE_LAG);
  private watchingPeers = false;
  private truth: WriteStream | undefined;
  private stopped = false;
  private boundEndpoint: string | undefined;

  constructor(options: SimulatorOptions) {
    validateOptions(options);
    this.options = options;
    const model = detectorModel(options.detector);
    const synth: SynthOptions = {
      dtype: options.dtype,
      hitFraction: options.hitFraction,
      iceRings: options.iceRings,
      splitSpots: options.splitSpots,
    };
    this.pool = new FramePool({
      model,
      synth,
      seed: options.seed,
      size: options.poolSize ?? defaultPoolSize(options),
      ...(options.poolMaxBytes !== undefined ? { maxBytes: options.poolMaxBytes } : {}),
    });
    this.grid = options.grid ? this.makeGrid(options.grid, model, synth) : null;
    // Linger so that the last messages (the series end) still go out when the socket closes.
    this.socket = new Push({ sendHighWaterMark: SEND_HWM, linger: 30_000 });
  }

  /** The endpoint actually bound (with the port resolved when binding to "*"). */
  get endpoint(): string {
    if (!this.boundEndpoint) throw new Error('DetectorSimulator: not bound yet');
    return this.boundEndpoint;
  }

  get framePool(): FramePool {
    return this.pool;
  }

  /** The frame sources the series will use (the pool only when a series is not the grid). */
  get frameSources(): FrameSource[] {
    const sources: FrameSource[] = [];
    if (this.usesPool) sources.push(sourceView('pool', this.pool));
    if (this.grid) sources.push(sourceView('grid', this.grid.frames));
    return sources;
  }

  private get usesPool(): boolean {
    return !this.grid || this.options.seriesCount > 1;
  }

  private makeGrid(
    shape: { cols: number; rows: number },
    model: DetectorModel,
    synth: SynthOptions,
  ): { sample: SimulatedGrid; frames: GridFrames } {
    const sample = simulatedGrid(shape, this.options.seed);
    const frames = new GridFrames({
      model,
      synth,
      seed: this.options.seed,
      spotCounts: sample.spotCounts,
      live: this.pool.live,
      ...(this.options.poolMaxBytes !== undefined ? { maxBytes: this.options.poolMaxBytes } : {}),
    });
    return { sample, frames };
  }

  async bind(): Promise<string> {
    const endpoint = this.options.bind ?? DEFAULT_BIND[this.options.stream];
    // From before the first peer can connect (a missed accept would undercount). The socket's
    // monitor keeps the process alive until close(), which a bound simulator needs anyway.
    if (this.options.stream === 2 && !this.watchingPeers) {
      watchPeers(this.socket, (peers) => (this.v2Messages.peers = peers));
      this.watchingPeers = true;
    }
    try {
      await this.socket.bind(endpoint);
    } catch (err) {
      throw new Error(`cannot bind ${endpoint}: ${(err as Error).message}`, { cause: err });
    }
    this.boundEndpoint = this.socket.lastEndpoint ?? endpoint;
    return this.boundEndpoint;
  }

  /** Pre-synthesises the frame pool and the grid's frames, in turn (in live mode: builds the
   * synthesis tables only). */
  async prepare(onProgress?: (done: number, total: number) => void): Promise<void> {
    if (this.usesPool) await this.pool.fill(onProgress);
    await this.grid?.frames.fill(onProgress);
  }

  /** Sends every series; resolves when done or stopped. */
  async run(onSeries?: (report: SeriesReport) => void): Promise<SeriesReport[]> {
    if (!this.boundEndpoint) await this.bind();
    if (this.options.truthFile) this.truth = createWriteStream(this.options.truthFile);
    const reports: SeriesReport[] = [];
    try {
      for (let n = 0; n < this.options.seriesCount && !this.stopped; n++) {
        const report = await this.sendSeries(this.options.series + n, this.planOf(n));
        reports.push(report);
        onSeries?.(report);
      }
    } finally {
      await this.closeTruth();
    }
    return reports;
  }

  /** Stops after the current frame; the open series is still ended with its end message. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Closes the socket. Queued messages get up to `lingerMs` to reach the receiver (the default
   * covers a slow receiver draining its queue; 0 drops them, e.g. when it has gone away).
   */
  close(lingerMs?: number): void {
    if (this.socket.closed) return;
    if (lingerMs !== undefined) this.socket.linger = lingerMs;
    this.socket.close();
  }

  /** The n-th series (0-based) of the run: the grid scan first, when there is one. */
  private planOf(n: number): SeriesPlan {
    const o = this.options;
    if (n === 0 && this.grid) {
      const { sample, frames } = this.grid;
      return {
        frames: frames.images,
        frame: (i) => frames.frame(i),
        recurring: false,
        headerAppendix: gridHeaderAppendix(sample, o.headerAppendix),
        grid: sample,
      };
    }
    return {
      frames: o.frames,
      frame: (i) => this.pool.frame(i),
      recurring: !this.pool.live,
      ...(o.headerAppendix !== undefined ? { headerAppendix: o.headerAppendix } : {}),
    };
  }

  private async sendSeries(series: number, plan: SeriesPlan): Promise<SeriesReport> {
    const o = this.options;
    const frameTime = o.rate === 'max' ? 0.002 : 1 / o.rate;
    const setup = makeSimulatedSeries({
      model: detectorModel(o.detector),
      dtype: o.dtype,
      series,
      nimages: plan.frames,
      frameTime,
      headerDetail: o.headerDetail,
      seed: o.seed,
      ...(plan.headerAppendix !== undefined ? { headerAppendix: plan.headerAppendix } : {}),
      ...(o.imageAppendix !== undefined ? { imageAppendix: o.imageAppendix } : {}),
    });
    const wire = o.stream === 1 ? new V1Wire(setup) : new V2Wire(setup, plan.recurring ? this.v2Messages : null);
    await this.socket.send(wire.header());
    if (plan.grid) await this.writeTruthLine({ series, grid: gridTruth(plan.grid) });
    const started = process.hrtime.bigint();
    let bytes = 0;
    let frames = 0;
    for (let i = 0; i < plan.frames && !this.stopped; i++) {
      if (o.rate !== 'max') await sleepUntil(started, i / o.rate);
      const frame = plan.frame(i);
      // Reused V2 messages: a turn of the event loop per frame, so that the peer count is current
      // (a send that does not block would otherwise never let the socket's events in).
      if (wire.reusesMessages) await new Promise<void>((resolve) => setImmediate(resolve));
      await this.socket.send(wire.image(i, frame.blob, frame.md5));
      bytes += frame.blob.length;
      frames++;
      await this.writeTruth(series, i, frame, plan.grid);
    }
    await this.socket.send(wire.end());
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { series, frames, bytes, seconds };
  }

  private async writeTruth(series: number, frame: number, entry: EncodedFrame, grid?: SimulatedGrid): Promise<void> {
    if (!this.truth) return;
    const cell = grid ? { cell: cellOfImage(grid.scan, frame) } : {};
    const { hit, spots } = entry.truth;
    await this.writeTruthLine({ series, frame, ...cell, source: entry.sourceIndex, hit, spots });
  }

  private async writeTruthLine(record: Record<string, unknown>): Promise<void> {
    if (!this.truth) return;
    if (!this.truth.write(`${JSON.stringify(record)}\n`)) await once(this.truth, 'drain');
  }

  private async closeTruth(): Promise<void> {
    const t = this.truth;
    if (!t) return;
    this.truth = undefined;
    await new Promise<void>((resolve, reject) => t.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

interface Wire {
  /** Whether image messages are rewritten in place in reused buffers. */
  readonly reusesMessages: boolean;
  header(): Buffer[] | Buffer;
  image(frame: number, blob: Buffer, md5: string): Buffer[] | Buffer;
  end(): Buffer[] | Buffer;
}

class V1Wire implements Wire {
  readonly reusesMessages = false;
  private readonly encoder: Stream1Encoder;
  private readonly dataHeaders = new Map<number, Buffer>();

  constructor(setup: SimulatedSeries) {
    this.encoder = new Stream1Encoder(setup);
  }

  header(): Buffer[] {
    return this.encoder.header();
  }

  image(frame: number, blob: Buffer, md5: string): Buffer[] {
    let dataHeader = this.dataHeaders.get(blob.length);
    if (!dataHeader) {
      dataHeader = this.encoder.imageDataHeader(blob.length);
      this.dataHeaders.set(blob.length, dataHeader);
    }
    return this.encoder.image(frame, blob, md5, dataHeader);
  }

  end(): Buffer[] {
    return this.encoder.end();
  }
}

class V2Wire implements Wire {
  private readonly encoder: Stream2Encoder;
  private readonly messages: ReusableImageMessages | null;

  /** `messages`: where to keep the messages of recurring frames, null to build each afresh. */
  constructor(setup: SimulatedSeries, messages: ReusableImageMessages | null) {
    this.encoder = new Stream2Encoder(setup);
    this.messages = messages;
  }

  get reusesMessages(): boolean {
    return this.messages !== null;
  }

  header(): Buffer {
    return this.encoder.start();
  }

  image(frame: number, blob: Buffer): Buffer {
    return this.messages?.message(blob, this.encoder.imageHead(), frame) ?? this.encoder.image(frame, blob);
  }

  end(): Buffer {
    return this.encoder.end();
  }
}

async function sleepUntil(start: bigint, offsetSeconds: number): Promise<void> {
  const due = start + BigInt(Math.round(offsetSeconds * 1e9));
  const waitMs = Number(due - process.hrtime.bigint()) / 1e6;
  if (waitMs > 1) await new Promise<void>((resolve) => setTimeout(resolve, waitMs));
}

function validateOptions(o: SimulatorOptions): void {
  if (!Number.isSafeInteger(o.frames) || o.frames < 0)
    throw new Error(`frames must be a non-negative integer, got ${String(o.frames)}`);
  if (o.rate !== 'max' && !(Number.isFinite(o.rate) && o.rate > 0)) {
    throw new Error(`rate must be a positive number of frames per second or "max", got ${String(o.rate)}`);
  }
  if (!(o.hitFraction >= 0 && o.hitFraction <= 1))
    throw new Error(`hit fraction must be between 0 and 1, got ${String(o.hitFraction)}`);
  if (!Number.isSafeInteger(o.series) || o.series < 0)
    throw new Error(`series must be a non-negative integer, got ${String(o.series)}`);
  if (!(o.seriesCount >= 1)) throw new Error(`series count must be at least 1, got ${String(o.seriesCount)}`);
  if (o.poolSize !== undefined && (!Number.isSafeInteger(o.poolSize) || o.poolSize < 0)) {
    throw new Error(`pool size must be a non-negative integer, got ${String(o.poolSize)}`);
  }
  if (o.grid) {
    const { cols, rows } = o.grid;
    if (![cols, rows].every((n) => Number.isSafeInteger(n) && n >= 1) || cols * rows > MAX_GRID_IMAGES) {
      throw new Error(`a grid must be at least 1x1 and at most ${MAX_GRID_IMAGES} images, got ${cols}x${rows}`);
    }
  }
}

function sourceView(name: string, s: Omit<FrameSource, 'name'>): FrameSource {
  return { name, live: s.live, capacity: s.capacity, size: s.size, encodedBytes: s.encodedBytes };
}
