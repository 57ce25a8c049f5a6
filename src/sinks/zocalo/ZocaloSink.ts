// Results into the facility: a sink of the collector that turns each good-path result, each
// series start and summary, and a grid scan's X-ray centring into recipe-wrapped messages for
// the broker (see recipe.ts, zocaloMessages.ts), queues them in the outbox and lets the
// publisher deliver them. Nothing here waits on the broker. A Zocalo-style status broadcast
// goes out every few seconds while connected.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ResultSink } from '../ResultSink.js';
import type { FrameResult, SeriesRecord, SeriesSummary } from '../records.js';
import type { XrayCentringResult } from '../../stages/grid/xrayCentring.js';
import { AmqpPublisher } from './AmqpPublisher.js';
import type { BrokerCredentials } from './brokerCredentials.js';
import type { CollectionIds } from './collectionIds.js';
import { Outbox, type OutboxLimits } from './Outbox.js';
import type { Channel, RecipeRoutes } from './recipe.js';
import { envelope, perImageResult, seriesEnded, seriesStarted, type SeriesContext } from './zocaloMessages.js';
import { statusMessage, STATUS_EXCHANGE, STATUS_EXPIRATION_MS } from './statusBroadcast.js';

/** Time the outbox has at shutdown to reach the broker. */
const CLOSE_GRACE_MS = 10_000;

export interface ZocaloSinkOptions {
  url: URL;
  vhost: string;
  credentials: BrokerCredentials;
  routes: RecipeRoutes;
  outbox: OutboxLimits;
  spillDir: string | null;
  statusIntervalMs: number;
  logger: Logger;
  /** How busy the pipeline is, 0..1 (the status broadcast's utilization). */
  utilization: () => number;
}

export interface ZocaloCounters {
  connected: boolean;
  published: number;
  confirmed: number;
  queued: number;
  queuedOnDisk: number;
  unconfirmed: number;
  dropped: { 'outbox-full': number; rejected: number; 'outbox-unreadable': number };
  reconnects: number;
  /** Status broadcasts sent (and refused by the broker). */
  statusBroadcasts: { sent: number; failed: number };
  lastError: string | null;
}

export class ZocaloSink implements ResultSink {
  private readonly outbox: Outbox;
  private readonly publisher: AmqpPublisher;
  private readonly contexts = new Map<number, SeriesContext>();
  private readonly pendingIds = new Map<number, CollectionIds>();
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: ZocaloSinkOptions) {
    this.outbox = new Outbox(options.outbox, options.spillDir);
    this.publisher = new AmqpPublisher({
      url: options.url,
      vhost: options.vhost,
      credentials: options.credentials,
      queues: options.routes.queues(),
      outbox: this.outbox,
      logger: options.logger,
    });
  }

  start(): void {
    this.publisher.start();
    this.statusTimer = setInterval(() => this.broadcastStatus(), this.options.statusIntervalMs);
    this.statusTimer.unref();
  }

  /** The series' facility ids (from its header), given before its series record. */
  collection(run: number, ids: CollectionIds): void {
    this.pendingIds.set(run, ids);
  }

  series(record: SeriesRecord, run: number): void {
    const ids = this.pendingIds.get(run) ?? { dcid: null, file: null };
    this.pendingIds.delete(run);
    const ctx: SeriesContext = {
      ...ids,
      series: record.series,
      seriesUniqueId: record.series_unique_id,
      environmentId: randomUUID(),
    };
    this.contexts.set(run, ctx);
    this.send('series', ctx, seriesStarted(record, ctx));
  }

  frame(result: FrameResult): void {
    if (result.path !== 'good') return;
    const ctx = this.contexts.get(result.run);
    if (ctx) this.send('result', ctx, perImageResult(result, ctx));
  }

  summary(summary: SeriesSummary, run: number): void {
    const ctx = this.contexts.get(run);
    if (!ctx) return;
    this.send('series', ctx, seriesEnded(summary, ctx));
    this.contexts.delete(run);
  }

  /** A grid scan's centring result (with its series' context). */
  xrayCentring(result: XrayCentringResult, run: number): void {
    const ctx = this.contexts.get(run);
    if (ctx) this.send('xray-centring', ctx, { ...result, ...(ctx.dcid !== null ? { dcid: ctx.dcid } : {}) });
  }

  get counters(): ZocaloCounters {
    const c = this.publisher.counters;
    return {
      connected: this.publisher.connected,
      published: c.published,
      confirmed: c.confirmed,
      queued: this.outbox.length,
      queuedOnDisk: this.outbox.onDisk,
      unconfirmed: this.publisher.unconfirmed,
      dropped: {
        'outbox-full': this.outbox.dropped,
        rejected: c.rejected,
        'outbox-unreadable': this.outbox.unreadable,
      },
      reconnects: c.reconnects,
      statusBroadcasts: { ...this.publisher.broadcasts },
      lastError: this.publisher.lastError,
    };
  }

  async close(): Promise<void> {
    if (this.statusTimer) clearInterval(this.statusTimer);
    await this.publisher.close(CLOSE_GRACE_MS);
    if (this.outbox.length > 0)
      this.options.logger.warn(
        { messages: this.outbox.length },
        'broker unreachable at shutdown: messages not delivered',
      );
    this.outbox.close();
  }

  private send(channel: Channel, ctx: SeriesContext, payload: Record<string, unknown>): void {
    const image = typeof payload['image_id'] === 'number' ? (payload['image_id'] as number) : -1;
    for (const destination of this.options.routes.of(channel)) {
      const body = envelope(this.options.routes, destination, ctx, payload);
      const { exchange, routingKey } = destination;
      this.outbox.put({ exchange, routingKey, body, series: ctx.series, image });
    }
    this.publisher.kick();
  }

  private broadcastStatus(): void {
    const body = statusMessage({ hostname: hostname(), pid: process.pid, utilization: this.options.utilization() });
    this.publisher.broadcast(STATUS_EXCHANGE, body, STATUS_EXPIRATION_MS);
  }
}
