// Process: a worker's. Everything under src/stages/worker/ and src/stages/analysis/ runs in the
// worker processes; src/stages/pool/, src/stages/collector/ and Pipeline.ts in the pipeline's.
//
// A worker of the fast or good pool: connects a DEALER to the pipeline's broker, says hello
// with the credit it can take, then decodes and analyses each task it is sent and answers
// with the result (which also returns the credit). Heartbeats go both ways; if the broker
// falls silent the worker reconnects with exponential back-off, as in the ZeroMQ guide's
// Paranoid Pirate pattern. Analysis blocks this thread for as long as a native call takes, so
// the worker's liveness also goes out from a thread of its own (PulseSender). Runs the same
// whether started locally or on another machine; on the pipeline's own machine, frames arrive
// in shared memory (SharedFrameSlots).
import type { KeyPair } from '../pool/auth/keyFiles.js';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Dealer } from 'zeromq';
import type { Logger } from 'pino';
import { FrameDecoder } from '../../codec/FrameDecoder.js';
import {
  decodeBrokerMessage,
  encodePoolMessage,
  type FailureCode,
  type PoolPath,
  type SeriesSetup,
  type WorkerMessage,
} from '../pool/protocol.js';
import type { TaskHeader } from '../pool/Task.js';
import type { PixelDtype } from '../../receiver/events.js';
import type { Analyser, AnalyserFactory, WorkerSettings } from './Analyser.js';
import { AnalyserCache } from './AnalyserCache.js';
import { SharedFrameSlots } from '../pool/SharedFrameSlots.js';
import { PulseSender } from './PulseSender.js';

export interface PoolWorkerOptions {
  connect: string;
  /** CURVE, for a pipeline whose TCP worker port requires it: its public key and ours. */
  curve?: { serverKey: string; keyPair: KeyPair };
  path: PoolPath;
  /** Tasks the worker may hold at once (one working, the rest waiting): 1 for fast, 4 for good. */
  credit: number;
  /** Size of each shared-memory frame slot offered to the pipeline (0: frames come over the socket). */
  slotBytes?: number;
  logger: Logger;
  makeAnalyser: AnalyserFactory;
  /** Send pulses from a thread of their own (default true); false: heartbeats from the main
   * loop only, which a long analysis call holds back (tests prove the difference with it). */
  pulses?: boolean;
}

const LIVENESS = 3;

interface SeriesEntry {
  setup: SeriesSetup;
  mask: Uint32Array | null;
  analyser: Analyser | null;
  /** The frame shape and type the analyser was built for ('' until built). */
  builtFor: string;
  error: string | null;
}

const shapeKey = (width: number, height: number, dtype: PixelDtype) => `${width}x${height} ${dtype}`;

/** Set-ups held at most (the broker normally says when to drop one). */
const MAX_SERIES = 32;
/** Silence asked for while building tables (a 16M detector takes a few seconds). */
const BUILD_GRACE_MS = 30_000;

/** A task that failed, with the code the broker and the summary use. */
class TaskFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
  ) {
    super(message);
  }
}

function attempt<T>(code: FailureCode, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof TaskFailure ? err : new TaskFailure(code, err instanceof Error ? err.message : String(err));
  }
}
const MAX_BACKOFF_MS = 32_000;

export class PoolWorker {
  private socket: Dealer | null = null;
  private heartbeatMs = 1000;
  private lastHeard = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** A hello is on its way and no welcome has come back yet. */
  private saidHello = false;
  private helloAt = 0;
  private wakeFromBackoff: () => void = () => undefined;
  private settings: WorkerSettings | null = null;
  private readonly decoder = new FrameDecoder();
  /** Runs in hand, by run: their set-up and the analyser built for their frames. */
  private readonly series = new Map<number, SeriesEntry>();
  private readonly cache: AnalyserCache;
  /** Shared-memory frame slots of the current connection (null: frames come over the socket). */
  private slots: SharedFrameSlots | null = null;
  /** Why the slots wanted could not be made (said in the hello), or undefined. */
  private noShm: string | undefined;
  private pulse: PulseSender | null = null;
  /** When tick() last ran: a late tick means this thread was blocked. */
  private lastTickAt = 0;
  processed = 0;
  failed = 0;
  /** Tasks dropped as stale: sent before the pipeline last reset us, or naming slots since replaced (it redelivered them). */
  staleTasks = 0;

  constructor(private readonly options: PoolWorkerOptions) {
    this.cache = new AnalyserCache(options.makeAnalyser);
  }

  /** Runs until the broker says stop or stop() is called. */
  async run(): Promise<void> {
    if (this.options.pulses !== false && !this.stopped)
      this.pulse = PulseSender.start({ connect: this.options.connect, curve: this.options.curve }, this.options.logger);
    try {
      await this.reconnecting();
    } finally {
      this.pulse?.stop();
    }
  }

  private async reconnecting(): Promise<void> {
    let backoff = 1000;
    while (!this.stopped) {
      const heardSomething = await this.session();
      if (this.stopped) break;
      backoff = heardSomething ? 1000 : Math.min(backoff * 2, MAX_BACKOFF_MS);
      this.options.logger.warn({ backoffMs: backoff }, 'lost the broker; reconnecting');
      await new Promise<void>((r) => {
        const timer = setTimeout(r, backoff);
        this.wakeFromBackoff = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.pulse?.stop();
    this.send({ t: 'bye' });
    this.closeSocket();
    this.wakeFromBackoff();
  }

  /** Says (once per connection) why the pipeline would not let us in: libzmq retries quietly. */
  private reportRefusals(socket: Dealer): void {
    let said = false;
    void (async () => {
      for await (const event of socket.events) {
        if (said || !event.type.startsWith('handshake:error')) continue;
        said = true;
        this.options.logger.warn(
          { event: event.type, endpoint: this.options.connect },
          "the pipeline refused this worker's authentication: is its public key in pipeline.auth.authorized_workers_file, and is --server-key the pipeline's?",
        );
      }
    })().catch(() => undefined);
  }

  /** One connection to the broker; returns whether the broker ever answered. */
  private async session(): Promise<boolean> {
    const socket = new Dealer({ linger: 0 });
    const curve = this.options.curve;
    if (curve) {
      socket.curveServerKey = curve.serverKey;
      socket.curvePublicKey = curve.keyPair.publicKey;
      socket.curveSecretKey = curve.keyPair.secretKey;
      this.reportRefusals(socket);
    }
    this.socket = socket;
    socket.connect(this.options.connect);
    this.lastHeard = Date.now();
    let heard = false;
    this.hello();
    this.lastTickAt = Date.now();
    this.timer = setInterval(() => this.tick(), this.heartbeatMs);
    try {
      for await (const [header, data] of socket) {
        heard = true;
        this.lastHeard = Date.now();
        if (!header) continue;
        // A table build is awaited (its announcement must leave first); nothing else is.
        const building = this.handle(header, data);
        if (building) await building;
        if (this.stopped) break;
      }
    } catch (err) {
      if (!socket.closed) this.options.logger.error({ err }, 'worker receive failed');
    } finally {
      clearInterval(this.timer);
      this.pulse?.beat(null, this.heartbeatMs);
      this.closeSocket();
      this.slots?.close();
      this.slots = null;
    }
    return heard;
  }

  /** A fresh shared-memory region, one slot per frame of credit. */
  private offerSlots(): SharedFrameSlots | null {
    this.noShm = undefined;
    const slotBytes = this.options.slotBytes ?? 0;
    if (slotBytes <= 0) return null;
    try {
      return SharedFrameSlots.create(this.options.credit, slotBytes);
    } catch (err) {
      // Said in the hello too: the pipeline counts it, and its log is the one people read.
      this.noShm = (err as Error).message;
      this.options.logger.warn({ err: this.noShm }, 'no shared memory for frames: they come over the socket');
      return null;
    }
  }

  private hello(): void {
    this.saidHello = true;
    this.helloAt = Date.now();
    // The membership the pulses named is over (or about to be): none until the welcome.
    this.pulse?.beat(null, this.heartbeatMs);
    // Fresh slots with every hello: the pipeline maps them anew, and tasks still queued from
    // before (dropped unread) cannot name memory the pipeline is writing again.
    this.slots?.close();
    this.slots = this.offerSlots();
    this.send({
      t: 'hello',
      path: this.options.path,
      pid: process.pid,
      host: hostname(),
      credit: this.options.credit,
      shm: this.slots?.layout,
      noShm: this.noShm,
    });
  }

  private tick(): void {
    const now = Date.now();
    const late = now - this.lastTickAt > 2 * this.heartbeatMs;
    this.lastTickAt = now;
    // A late tick means this thread was blocked (a long analysis call): the broker's heartbeats
    // are waiting unread in the socket, so its silence is judged once the receive loop has read.
    if (!late && now - this.lastHeard > LIVENESS * this.heartbeatMs) {
      this.closeSocket(); // ends the receive loop; run() reconnects
      return;
    }
    // A hello unanswered for long (the pipeline restarted before answering) is said again;
    // resets alone would not bring it back, as they are ignored while a hello is pending.
    if (this.saidHello && Date.now() - this.helloAt > LIVENESS * this.heartbeatMs) this.hello();
    this.send({ t: 'heartbeat' });
  }

  private handle(header: Buffer, data: Buffer | undefined): Promise<void> | undefined {
    this.handlingSince = performance.now();
    const msg = decodeBrokerMessage(header);
    switch (msg.t) {
      case 'welcome':
        if (msg.heartbeatMs !== this.heartbeatMs) {
          this.heartbeatMs = msg.heartbeatMs;
          clearInterval(this.timer);
          this.timer = setInterval(() => this.tick(), this.heartbeatMs);
        }
        this.settings = msg.config as WorkerSettings;
        this.saidHello = false;
        if (msg.pulse !== undefined) this.pulse?.beat(msg.pulse, this.heartbeatMs);
        // The pipeline has mapped the slots (and removed their name) or could not use them.
        if (!msg.shm) {
          this.slots?.close();
          this.slots = null;
        }
        return;
      case 'series':
        return this.setUpSeries(msg.setup, data);
      case 'forget':
        this.series.delete(msg.run);
        return;
      case 'task':
        // Sent before the pipeline reset us, or naming slots we have since replaced: the
        // pipeline has given the frame again (here or to another worker), and the slot may
        // already hold another frame. Answering would report another frame's result.
        if (this.saidHello || (msg.slot !== undefined && msg.region !== this.slots?.layout.name)) {
          this.staleTasks++;
          return;
        }
        return this.processTask(msg.task, msg.slot === undefined ? data : this.slotBytes(msg.slot, msg.length ?? -1));
      case 'reset':
        // The broker no longer counts us (e.g. it declared us dead during a long build): what
        // we hold was given to others. Say hello once, however many resets arrive meanwhile.
        if (!this.saidHello) this.hello();
        return;
      case 'stop':
        this.stopped = true;
        return;
      case 'heartbeat':
        return;
    }
  }

  /** A task's bytes in shared memory (undefined, answered as no-data, if the slot is impossible). */
  private slotBytes(slot: number, length: number): Buffer | undefined {
    if (!this.slots) return undefined;
    try {
      return this.slots.view(slot, length);
    } catch (err) {
      this.options.logger.warn({ slot, length, err: (err as Error).message }, 'task names an impossible slot');
      return undefined;
    }
  }

  private process(task: TaskHeader, data: Buffer | undefined): void {
    // Time since the previous task was done: the worker had nothing to do (or no CPU).
    const wait = this.lastTaskEnd > 0 ? this.handlingSince - this.lastTaskEnd : 0;
    try {
      if (!data) throw new TaskFailure('no-data', 'task arrived without its frame data');
      const t0 = performance.now();
      const pixels = attempt('decode-failed', () =>
        this.decoder.decode(data, task.encoding, task.width, task.height, task.dtype),
      );
      const t1 = performance.now();
      const analyser = this.analyser(task);
      const out = attempt('analysis-failed', () => analyser.analyse(pixels, task));
      if (task.preview && out.hit && analyser.preview) out.preview = analyser.preview(pixels);
      const t2 = performance.now();
      this.processed++;
      this.send({
        t: 'result',
        id: task.id,
        // The frame's identity is not sent: the pipeline knows which frame the task id names.
        result: {
          ...out,
          // total: from taking the message off the socket until here (the result's msgpack
          // encoding, a few kB, is left out).
          timing: {
            decode: round(t1 - t0),
            analysis: round(t2 - t1),
            total: round(performance.now() - this.handlingSince),
            wait: round(wait),
          },
        },
      });
    } catch (err) {
      const code = err instanceof TaskFailure ? err.code : 'analysis-failed';
      const detail = err instanceof Error ? err.message : String(err);
      if (code !== 'no-setup') {
        this.failed++;
        this.options.logger.warn(
          { series: task.series, frame: task.frame, code, detail },
          'frame could not be processed',
        );
      }
      this.send({ t: 'failed', id: task.id, code, detail });
    } finally {
      this.lastTaskEnd = performance.now();
    }
  }

  /**
   * Builds (or finds in the cache) the series' analyser as soon as its set-up arrives, so the
   * table building is not charged to the first frame. A series that announced no shape (V1
   * header_detail "none") is built at its first frame instead. A failure is kept and given as
   * the reason for every frame of the series.
   */
  private async setUpSeries(setup: SeriesSetup, data: Buffer | undefined): Promise<void> {
    const entry: SeriesEntry = { setup, mask: data ? toUint32(data) : null, analyser: null, builtFor: '', error: null };
    this.series.set(setup.run, entry);
    // The broker says when a run is finished (forget); this bound only guards against a broker
    // that never does. A task of a dropped run is answered 'no-setup' and comes back with it.
    for (const key of this.series.keys()) if (this.series.size > MAX_SERIES) this.series.delete(key);
    if (setup.width !== null && setup.height !== null && setup.dtype !== null) {
      await this.announceBuild(setup.run);
      this.build(entry, setup.width, setup.height, setup.dtype);
    }
    this.send(entry.error ? { t: 'ready', run: setup.run, error: entry.error } : { t: 'ready', run: setup.run });
  }

  /**
   * Tells the broker a table build is coming and waits until that message has left: the build
   * blocks this thread (no heartbeats) for up to seconds, and the broker must not take the
   * silence for death. The pulse thread says the same when it runs; this covers a worker
   * without one (its script not built, or the thread failed), and holds off the task timeout.
   */
  private async announceBuild(run: number): Promise<void> {
    this.send({ t: 'building', run, ms: BUILD_GRACE_MS });
    await this.queue;
  }

  /** A task, after announcing a table build when its frame's shape has none built yet. */
  private processTask(task: TaskHeader, data: Buffer | undefined): Promise<void> | undefined {
    const entry = this.series.get(task.run);
    if (!entry || entry.builtFor === shapeKey(task.width, task.height, task.dtype)) {
      this.process(task, data);
      return undefined;
    }
    return this.announceBuild(task.run).then(() => this.process(task, data));
  }

  /** The analyser for a task's frame: frames decide shape and pixel type, not the announcement. */
  private analyser(task: TaskHeader): Analyser {
    const entry = this.series.get(task.run);
    if (!entry) throw new TaskFailure('no-setup', `no set-up held for series ${task.series} (run ${task.run})`);
    if (entry.builtFor !== shapeKey(task.width, task.height, task.dtype)) {
      if (entry.builtFor !== '' || entry.setup.width !== null) {
        this.options.logger.warn(
          { series: task.series, announced: entry.builtFor, frame: shapeKey(task.width, task.height, task.dtype) },
          'frames differ from what the series announced; analysing them as they are',
        );
      }
      this.build(entry, task.width, task.height, task.dtype);
    }
    if (entry.error !== null) throw new TaskFailure('setup-failed', entry.error);
    return entry.analyser!;
  }

  private build(entry: SeriesEntry, width: number, height: number, dtype: PixelDtype): void {
    const t0 = performance.now();
    const series = entry.setup.series;
    entry.builtFor = shapeKey(width, height, dtype);
    try {
      if (!this.settings) throw new Error('no analysis settings received from the broker');
      const mask = entry.mask && entry.mask.length === width * height ? entry.mask : null;
      entry.analyser = this.cache.get({ ...entry.setup, width, height, dtype }, mask, this.settings, this.options.path);
      entry.error = null;
      this.options.logger.info(
        { series, ms: round(performance.now() - t0), builds: this.cache.builds },
        'series set up',
      );
      if (entry.analyser.limitation)
        this.options.logger.warn({ series, reason: entry.analyser.limitation }, 'series analysed without its geometry');
    } catch (err) {
      entry.analyser = null;
      entry.error = `series ${series} could not be set up: ${(err as Error).message}`;
      this.options.logger.error({ series, reason: entry.error }, 'series set-up failed');
    }
  }

  private send(msg: WorkerMessage): void {
    const socket = this.socket;
    if (!socket || socket.closed) return;
    // Worker traffic is one message at a time per task, so a pending send is rare; if the
    // socket is busy the message is queued by chaining on the previous send.
    this.queue = this.queue
      .then(() => (socket.closed ? undefined : socket.send(encodePoolMessage(msg))))
      .catch(() => undefined);
  }

  private queue: Promise<unknown> = Promise.resolve();
  /** When handling of the current message began (for timing.total). */
  private handlingSince = 0;
  /** When the previous task was done (for timing.wait). */
  private lastTaskEnd = 0;

  private closeSocket(): void {
    const socket = this.socket;
    if (socket && !socket.closed) socket.close();
  }
}

function toUint32(data: Buffer): Uint32Array {
  // The mask part may not be 4-byte aligned inside its ZeroMQ buffer: copy once per series.
  const copy = new Uint8Array(data.byteLength - (data.byteLength % 4));
  copy.set(data.subarray(0, copy.byteLength));
  return new Uint32Array(copy.buffer);
}

const round = (v: number) => Math.round(v * 100) / 100;
