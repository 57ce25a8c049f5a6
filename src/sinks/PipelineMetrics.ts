// Prometheus metrics of the pipeline, served at /metrics. Counters follow frames through the
// graph; gauges show queue depths and worker counts, refreshed by the pool scaler each second.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FrameResult } from './records.js';
import type { ResultSink } from './ResultSink.js';
import type { SeriesRecord, SeriesSummary } from './records.js';

export class PipelineMetrics implements ResultSink {
  readonly registry = new Registry();
  readonly framesReceived = new Counter({
    name: 'sp_frames_received_total',
    help: 'Frames received from the detector',
    registers: [this.registry],
  });
  readonly framesProcessed = new Counter({
    name: 'sp_frames_processed_total',
    help: 'Frames analysed, by path',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });
  readonly fastSkips = new Counter({
    name: 'sp_fast_skipped_total',
    help: 'Frames the fast path did not analyse, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly goodLost = new Counter({
    name: 'sp_good_lost_total',
    help: 'Frames the good path could not process, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly hits = new Counter({
    name: 'sp_hits_total',
    help: 'Good-path frames that were hits',
    registers: [this.registry],
  });
  readonly receiverErrors = new Gauge({
    name: 'sp_receiver_errors',
    help: 'Messages the receiver rejected, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'sp_result_latency_seconds',
    help: 'Frame arrival to result at the collector',
    labelNames: ['path'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: 'sp_good_queue_frames',
    help: 'Good-path frames waiting for a worker',
    labelNames: ['where'] as const,
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'sp_in_flight_frames',
    help: 'Frames at workers, by path',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });
  readonly workers = new Gauge({
    name: 'sp_workers',
    help: 'Workers in each pool',
    labelNames: ['path', 'where'] as const,
    registers: [this.registry],
  });
  readonly spilled = new Gauge({
    name: 'sp_good_spilled_total',
    help: 'Good-path frames that went to disk because the memory budget was used up',
    registers: [this.registry],
  });
  readonly tasksByTransport = new Gauge({
    name: 'sp_tasks_sent_total',
    help: 'Tasks sent to workers, by how their bytes travelled (shared memory or socket)',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });
  readonly redelivered = new Gauge({
    name: 'sp_good_redelivered_total',
    help: 'Good-path frames handed to another worker after theirs died',
    registers: [this.registry],
  });
  readonly seriesCompleted = new Counter({
    name: 'sp_series_completed_total',
    help: 'Series summarised',
    registers: [this.registry],
  });

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
