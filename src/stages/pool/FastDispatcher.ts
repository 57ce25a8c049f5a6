// The fast (lossy, live-feedback) path: a frame goes to a fast worker only if one is free
// right now; otherwise it is skipped and counted. Nothing queues, so the fast path can never
// fall behind the detector. Sampling (every Nth frame, or a random fraction) thins the input
// further before that.
import type { Logger } from 'pino';
import type { Collector } from '../collector/Collector.js';
import type { SeriesSetups } from './SeriesSetups.js';
import { stampResult, type Task, type TaskHeader } from './Task.js';
import { CreditRing } from './CreditRing.js';
import { inFlightCount, oldestSentAt, type Outstanding } from './outstanding.js';
import type { PathDispatcher, WorkerBroker } from './WorkerBroker.js';
import type { WorkerMessage } from './protocol.js';

export interface Sampling {
  every: number;
  fraction: number;
}

export type Offer = 'sent' | 'sampled-out' | 'busy';

interface FastWorker extends Outstanding<TaskHeader> {
  /** Runs whose tables this worker has built: only their frames go to it, so a frame never
   * waits behind a table build (a second or more on a large detector). */
  ready: Set<number>;
}

export class FastDispatcher implements PathDispatcher {
  private readonly workers = new Map<string, FastWorker>();
  /** Who gets the next frame: credit, round-robin. */
  private readonly ring = new CreditRing();
  /** Deterministic generator for fractional sampling (xorshift32). */
  private rng = 0x9e3779b9;
  lostInFlight = 0;

  constructor(
    private readonly broker: WorkerBroker,
    private readonly setups: SeriesSetups,
    private readonly collector: Collector,
    private readonly logger: Logger,
    private readonly sampling: Sampling,
    /** Says when a task should ask for a preview image (the screen's latest hit). */
    private readonly previews: { wanted(): boolean } | null = null,
  ) {}

  get workerCount(): number {
    return this.workers.size;
  }

  get inFlight(): number {
    return inFlightCount(this.workers);
  }

  offer(task: Task): Offer {
    const { frame, run } = task.header;
    if (frame % this.sampling.every !== 0 || (this.sampling.fraction < 1 && this.random() >= this.sampling.fraction)) {
      this.collector.fastSkipped(run, 'sampled-out');
      return 'sampled-out';
    }
    const id = this.freeWorker(run);
    if (id === null) {
      const reason = this.workers.size === 0 ? 'no-workers' : this.anyReady(run) ? 'busy' : 'setting-up';
      this.collector.fastSkipped(run, reason);
      return 'busy';
    }
    const w = this.workers.get(id)!;
    w.inFlight.set(task.header.id, task.header);
    w.sentAt.set(task.header.id, Date.now());
    // The header is shared with the good path, so the request goes on a copy (a few a second).
    const header = this.previews?.wanted() ? { ...task.header, preview: true as const } : task.header;
    this.broker.send(id, { t: 'task', task: header }, task.data);
    return 'sent';
  }

  addWorker(id: string, credit: number): void {
    if (!this.workers.has(id)) {
      this.workers.set(id, { inFlight: new Map(), sentAt: new Map(), ready: new Set() });
      this.ring.add(id);
    }
    this.grant(id, credit);
  }

  grant(id: string, credit: number): void {
    this.ring.grant(id, credit);
  }

  seriesReady(id: string, run: number): void {
    this.setups.answered(this.broker, id, run);
    const w = this.workers.get(id);
    if (!w) return;
    w.ready.add(run);
    // A few recent series are enough.
    for (const s of w.ready) if (w.ready.size > 8) w.ready.delete(s);
  }

  removeWorker(id: string, reason: string): void {
    const w = this.workers.get(id);
    if (!w) return;
    this.workers.delete(id);
    this.ring.remove(id);
    this.setups.forgetWorker(id);
    for (const { run } of w.inFlight.values()) this.collector.fastSkipped(run, 'worker-lost');
    this.lostInFlight += w.inFlight.size;
    this.logger.info({ worker: id, reason, frames: w.inFlight.size }, 'fast worker gone');
  }

  onWorkerMessage(id: string, msg: Extract<WorkerMessage, { t: 'result' | 'failed' }>): boolean {
    const w = this.workers.get(id);
    const header = w?.inFlight.get(msg.id);
    if (!header) return false;
    w!.inFlight.delete(msg.id);
    w!.sentAt.delete(msg.id);
    // Accounted as the frame the worker was sent, whatever the answer names.
    if (msg.t === 'result') this.collector.result(stampResult(msg.result, header, 'fast'));
    else this.collector.fastSkipped(header.run, `failed-${msg.code}`);
    return true;
  }

  oldestSentAt(id: string): number | null {
    return oldestSentAt(this.workers.get(id));
  }

  private anyReady(run: number): boolean {
    for (const w of this.workers.values()) if (w.ready.has(run)) return true;
    return false;
  }

  /** A worker with credit and this run's tables (its credit is spent), or null. */
  private freeWorker(run: number): string | null {
    // A worker that joined after the series started gets its set-up now, and frames once ready.
    for (const [id, w] of this.workers) if (!w.ready.has(run)) this.setups.ensureSent(this.broker, id, run);
    this.choosingRun = run;
    return this.ring.choose(this.readyForRun);
  }

  /** freeWorker()'s test, bound once (it runs per frame). */
  private choosingRun = 0;
  private readonly readyForRun = (id: string): boolean => this.workers.get(id)!.ready.has(this.choosingRun);

  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng / 0x100000000;
  }
}
