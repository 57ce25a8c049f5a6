// Prometheus metrics of the pipeline, served at /metrics. Counters follow frames through the
// graph; gauges show queue depths and worker counts, refreshed by the pool scaler each second.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FrameResult } from './records.js';
import type { ResultSink } from './ResultSink.js';
import type { SeriesRecord, SeriesSummary } from './records.js';

/** Makes metrics registered in one registry: name, label names (none: []) and help text. */
class MetricsIn {
  constructor(private readonly registry: Registry) {}

  counter<L extends string>(name: string, labelNames: readonly L[], help: string): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, labelNames: readonly L[], help: string): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, labelNames: readonly L[], help: string, buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }
}

const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class PipelineMetrics implements ResultSink {
  readonly registry = new Registry();
  private readonly m = new MetricsIn(this.registry);
  readonly framesReceived = this.m.counter('sp_frames_received_total', [], 'Frames received from the detector');
  readonly framesProcessed = this.m.counter('sp_frames_processed_total', ['path'], 'Frames analysed, by path');
  readonly fastSkips = this.m.counter(
    'sp_fast_skipped_total',
    ['reason'],
    'Frames the fast path did not analyse, by reason',
  );
  readonly goodLost = this.m.counter(
    'sp_good_lost_total',
    ['reason'],
    'Frames the good path could not process, by reason',
  );
  readonly hits = this.m.counter('sp_hits_total', [], 'Good-path frames that were hits');
  readonly receiverErrors = this.m.gauge('sp_receiver_errors', ['reason'], 'Messages the receiver rejected, by reason');
  readonly latency = this.m.histogram(
    'sp_result_latency_seconds',
    ['path'],
    'Frame arrival to result at the collector',
    LATENCY_BUCKETS_S,
  );
  readonly queueDepth = this.m.gauge('sp_good_queue_frames', ['where'], 'Good-path frames waiting for a worker');
  readonly inFlight = this.m.gauge('sp_in_flight_frames', ['path'], 'Frames at workers, by path');
  readonly workers = this.m.gauge('sp_workers', ['path', 'where'], 'Workers in each pool');
  readonly spilled = this.m.gauge(
    'sp_good_spilled_total',
    [],
    'Good-path frames that went to disk because the memory budget was used up',
  );
  readonly tasksByTransport = this.m.gauge(
    'sp_tasks_sent_total',
    ['transport'],
    'Tasks sent to workers, by how their bytes travelled (shared memory or socket)',
  );
  readonly redelivered = this.m.gauge(
    'sp_good_redelivered_total',
    [],
    'Good-path frames handed to another worker after theirs died',
  );
  readonly seriesCompleted = this.m.counter('sp_series_completed_total', [], 'Series summarised');

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'sp_process_' });
  }

  series(_record: SeriesRecord): void {}

  frame(result: FrameResult): void {
    this.framesProcessed.inc({ path: result.path });
    if (result.path === 'good' && result.hit) this.hits.inc();
    this.latency.observe({ path: result.path }, Math.max(0, Date.now() - result.receivedAt) / 1000);
  }

  fastSkipped(reason: string): void {
    this.fastSkips.inc({ reason });
  }

  summary(summary: SeriesSummary): void {
    this.seriesCompleted.inc();
    for (const [reason, n] of Object.entries(summary.lost_reasons)) this.goodLost.inc({ reason }, n);
  }

  async close(): Promise<void> {}
}
