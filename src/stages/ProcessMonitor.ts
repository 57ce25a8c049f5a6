// Watches the pipeline once a second: queue depths, rates and worker counts (for /status,
// /metrics and the logs), and adjusts the number of local workers within the configured
// bounds: more good workers while the good backlog grows, more fast workers while the fast
// path is skipping frames because everyone is busy, fewer when a pool sits idle.
import type { Logger } from 'pino';
import type { Pipeline } from './Pipeline.js';

export interface MonitorSnapshot {
  receivedPerSecond: number;
  goodPerSecond: number;
  fastPerSecond: number;
  goodWaiting: number;
  fastBusyPerSecond: number;
}

const INTERVAL_MS = 1000;
/** Seconds a pool must be idle before it shrinks, so it does not flap between series. */
const IDLE_BEFORE_SHRINK_S = 10;

export class ProcessMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = { received: 0, good: 0, fast: 0, busy: 0 };
  private current: MonitorSnapshot = { receivedPerSecond: 0, goodPerSecond: 0, fastPerSecond: 0, goodWaiting: 0, fastBusyPerSecond: 0 };
  private idle = { good: 0, fast: 0 };
  private previousWaiting = 0;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  snapshot(): MonitorSnapshot {
    return this.current;
  }

  private async tick(): Promise<void> {
    const m = this.pipeline.metrics;
    type Values = { values: { value: number; labels: Partial<Record<string, string | number>> }[] };
    const value = async (metric: { get(): Promise<Values> }, label?: [string, string]) =>
      (await metric.get()).values.filter((v) => !label || v.labels[label[0]] === label[1]).reduce((a, v) => a + v.value, 0);
    const now = {
      received: await value(m.framesReceived),
      good: await value(m.framesProcessed, ['path', 'good']),
      fast: await value(m.framesProcessed, ['path', 'fast']),
      busy: await value(m.fastSkips, ['reason', 'busy']),
    };
    const q = this.pipeline.good.queue;
    this.current = {
      receivedPerSecond: now.received - this.last.received,
      goodPerSecond: now.good - this.last.good,
      fastPerSecond: now.fast - this.last.fast,
      goodWaiting: q.waiting,
      fastBusyPerSecond: now.busy - this.last.busy,
    };
    this.last = now;
    this.pipeline.refreshGauges();
    if (this.pipeline.supervisors) this.scale();
  }

  private scale(): void {
    const local = this.pipeline.supervisors!;
    const s = this.current;
    const growing = s.goodWaiting > this.previousWaiting && s.goodWaiting > 4;
    this.previousWaiting = s.goodWaiting;
    this.idle.good = s.goodWaiting === 0 && s.goodPerSecond === 0 ? this.idle.good + 1 : 0;
    this.idle.fast = s.fastPerSecond === 0 ? this.idle.fast + 1 : 0;
    if (growing && local.good.count < local.good.target + 1) this.resize('good', local.good.target + 1);
    else if (this.idle.good >= IDLE_BEFORE_SHRINK_S) this.resize('good', local.good.target - 1);
    if (s.fastBusyPerSecond > 0) this.resize('fast', local.fast.target + 1);
    else if (this.idle.fast >= IDLE_BEFORE_SHRINK_S) this.resize('fast', local.fast.target - 1);
  }

  private resize(path: 'good' | 'fast', n: number): void {
    const sup = this.pipeline.supervisors![path];
    const before = sup.target;
    const after = sup.resize(n);
    if (after !== before) {
      this.logger.info({ path, from: before, to: after, ...this.current }, `local ${path} workers ${before} -> ${after}`);
      this.idle[path] = 0;
    }
  }
}
