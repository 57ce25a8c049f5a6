// Once a second: the pipeline's rates (for /status and the logs), and the number of local
// workers adjusted within the configured bounds: more good workers while the good backlog
// grows, more fast workers while the fast path is skipping frames because everyone is busy,
// fewer when a pool sits idle. It sees the pipeline only through ScalerInputs: running
// totals, the good backlog, and the local pools it may resize.
import type { Logger } from 'pino';
import type { PoolPath } from './pool/protocol.js';

export interface RatesSnapshot {
  receivedPerSecond: number;
  goodPerSecond: number;
  fastPerSecond: number;
  goodWaiting: number;
  fastBusyPerSecond: number;
}

/** Running totals since the pipeline started. */
export interface PipelineTotals {
  received: number;
  processedGood: number;
  processedFast: number;
  /** Fast-path frames skipped because every fast worker was busy. */
  fastBusy: number;
}

/** A local worker pool the scaler may resize (a WorkerSupervisor). */
export interface ScalablePool {
  readonly count: number;
  readonly target: number;
  /** Asks for `n` workers (clamped to the pool's bounds); returns the new target. */
  resize(n: number): number;
}

export interface ScalerInputs {
  totals(): PipelineTotals;
  goodWaiting(): number;
  /** The local pools, or null while there are none. */
  pools(): Record<PoolPath, ScalablePool> | null;
  /** Called after each measurement (the pipeline refreshes its gauges). */
  afterTick?(): void;
}

const INTERVAL_MS = 1000;
/** Seconds a pool must be idle before it shrinks, so it does not flap between series. */
const IDLE_BEFORE_SHRINK_S = 10;

export class PoolScaler {
  private timer: NodeJS.Timeout | undefined;
  private last: PipelineTotals = { received: 0, processedGood: 0, processedFast: 0, fastBusy: 0 };
  private current: RatesSnapshot = {
    receivedPerSecond: 0,
    goodPerSecond: 0,
    fastPerSecond: 0,
    goodWaiting: 0,
    fastBusyPerSecond: 0,
  };
  private idle = { good: 0, fast: 0 };
  private previousWaiting = 0;

  constructor(
    private readonly inputs: ScalerInputs,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  snapshot(): RatesSnapshot {
    return this.current;
  }

  /** One measurement (and scaling step); the timer calls it every INTERVAL_MS. */
  tick(): void {
    const now = this.inputs.totals();
    this.current = {
      receivedPerSecond: now.received - this.last.received,
      goodPerSecond: now.processedGood - this.last.processedGood,
      fastPerSecond: now.processedFast - this.last.processedFast,
      goodWaiting: this.inputs.goodWaiting(),
      fastBusyPerSecond: now.fastBusy - this.last.fastBusy,
    };
    this.last = { ...now };
    this.inputs.afterTick?.();
    const pools = this.inputs.pools();
    if (pools) this.scale(pools);
  }

  private scale(pools: Record<PoolPath, ScalablePool>): void {
    const s = this.current;
    const growing = s.goodWaiting > this.previousWaiting && s.goodWaiting > 4;
    this.previousWaiting = s.goodWaiting;
    this.idle.good = s.goodWaiting === 0 && s.goodPerSecond === 0 ? this.idle.good + 1 : 0;
    this.idle.fast = s.fastPerSecond === 0 ? this.idle.fast + 1 : 0;
    if (growing && pools.good.count < pools.good.target + 1) this.resize(pools, 'good', pools.good.target + 1);
    else if (this.idle.good >= IDLE_BEFORE_SHRINK_S) this.resize(pools, 'good', pools.good.target - 1);
    if (s.fastBusyPerSecond > 0) this.resize(pools, 'fast', pools.fast.target + 1);
    else if (this.idle.fast >= IDLE_BEFORE_SHRINK_S) this.resize(pools, 'fast', pools.fast.target - 1);
  }

  private resize(pools: Record<PoolPath, ScalablePool>, path: PoolPath, n: number): void {
    const pool = pools[path];
    const before = pool.target;
    const after = pool.resize(n);
    if (after !== before) {
      this.logger.info(
        { path, from: before, to: after, ...this.current },
        `local ${path} workers ${before} -> ${after}`,
      );
      this.idle[path] = 0;
    }
  }
}
