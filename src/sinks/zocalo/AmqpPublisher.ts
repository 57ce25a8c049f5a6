// The link to the facility's RabbitMQ: takes messages from the outbox in order and publishes
// them persistent, on a confirm channel, with a bounded window of unconfirmed ones. A message
// leaves the pipeline's hands only when the broker confirms it; one the broker refuses (nack)
// is counted as rejected. When the connection drops, the unconfirmed go back to the front of
// the outbox (so they may reach the broker twice: each carries its series and image id for
// consumers to drop the repeat) and the link reconnects with back-off, 0.5 s doubling to 30 s.
// A broker that is down at start-up is a warning, not a failure: the outbox holds the messages.
import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Logger } from 'pino';
import type { BrokerCredentials } from './brokerCredentials.js';
import type { Outbox, OutboxMessage } from './Outbox.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** Published, not yet confirmed, at most. */
const WINDOW = 2000;
/** The one header Zocalo's recipe wrapper looks for. */
const HEADERS = { 'workflows-recipe': true };

export interface PublisherCounters {
  published: number;
  confirmed: number;
  rejected: number;
  reconnects: number;
}

export interface AmqpPublisherOptions {
  url: URL;
  vhost: string;
  credentials: BrokerCredentials;
  /** Declared durable on every connection, before anything is sent. */
  queues: string[];
  outbox: Outbox;
  logger: Logger;
  /** Broadcasts (status) that must not queue: sent when connected, else dropped. */
  onConnected?: (channel: ConfirmChannel) => void;
}

export class AmqpPublisher {
  readonly counters: PublisherCounters = { published: 0, confirmed: 0, rejected: 0, reconnects: 0 };
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  /** Broadcasts go on a channel of their own: a broker that refuses one (no such exchange)
   * closes that channel, never the results'. */
  private broadcastChannel: Channel | null = null;
  broadcasts = { sent: 0, failed: 0 };
  /** Unconfirmed messages, in the order they were published. */
  private readonly inFlight = new Set<OutboxMessage>();
  private returning: OutboxMessage[] = [];
  private blocked = false;
  private closing = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  lastError: string | null = null;

  constructor(private readonly options: AmqpPublisherOptions) {
    // A message read back from the outbox's disk may be what the pump stopped at.
    options.outbox.onReadable = () => this.kick();
  }

  get connected(): boolean {
    return this.channel !== null;
  }

  get unconfirmed(): number {
    return this.inFlight.size;
  }

  start(): void {
    void this.connect();
  }

  /** New messages are in the outbox. */
  kick(): void {
    if (this.pumpScheduled || !this.channel) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Sends a broadcast now if connected (it is not queued: a stale status is worth nothing). */
  broadcast(exchange: string, body: Buffer, expirationMs: number): void {
    const ch = this.broadcastChannel;
    if (!ch) return;
    try {
      ch.publish(exchange, '', body, { expiration: String(expirationMs), persistent: true });
      this.broadcasts.sent++;
    } catch {
      this.broadcasts.failed++;
    }
  }

  /** Waits up to `graceMs` for the outbox to drain and everything to be confirmed, then closes. */
  async close(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.channel && (this.options.outbox.length > 0 || this.inFlight.size > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.model?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const o = this.options;
    try {
      const model = await connect({
        protocol: o.url.protocol.replace(':', ''),
        hostname: o.url.hostname,
        port: o.url.port ? Number(o.url.port) : o.url.protocol === 'amqps:' ? 5671 : 5672,
        vhost: o.vhost,
        username: o.credentials.username,
        password: o.credentials.password,
        heartbeat: 10,
      });
      model.on('error', (err: Error) => (this.lastError = err.message));
      model.on('close', () => this.lost('connection closed'));
      const channel = await model.createConfirmChannel();
      channel.on('error', (err: Error) => (this.lastError = err.message));
      channel.on('close', () => this.lost('channel closed'));
      channel.on('drain', () => {
        this.blocked = false;
        this.kick();
      });
      for (const queue of o.queues) await channel.assertQueue(queue, { durable: true });
      await this.openBroadcastChannel(model);
      this.model = model;
      this.channel = channel;
      this.retryMs = FIRST_RETRY_MS;
      o.logger.info({ broker: `${o.url.host}${o.vhost}` }, 'connected to the broker');
      o.onConnected?.(channel);
      this.kick();
    } catch (err) {
      this.lastError = (err as Error).message;
      o.logger.warn(
        { broker: o.url.host, err: this.lastError, retryInMs: this.retryMs },
        'broker not reachable: results wait in the outbox',
      );
      this.scheduleReconnect();
    }
  }

  private async openBroadcastChannel(model: ChannelModel): Promise<void> {
    const ch = await model.createChannel();
    ch.on('error', (err: Error) => {
      this.broadcasts.failed++;
      this.options.logger.warn({ err: err.message }, 'status broadcast refused by the broker');
    });
    // Refused (say, the facility has no such exchange): try again on a fresh channel later.
    ch.on('close', () => {
      if (this.broadcastChannel !== ch) return;
      this.broadcastChannel = null;
      const retry = setTimeout(() => {
        if (this.model === model) void this.openBroadcastChannel(model).catch(() => undefined);
      }, MAX_RETRY_MS);
      retry.unref();
    });
    this.broadcastChannel = ch;
  }

  /** Publishes from the outbox while the window and the socket have room. */
  private pump(): void {
    const ch = this.channel;
    if (!ch) return;
    while (!this.blocked && this.inFlight.size < WINDOW) {
      const m = this.options.outbox.take();
      if (!m) return;
      this.inFlight.add(m);
      this.counters.published++;
      const ok = ch.publish(
        m.exchange,
        m.routingKey,
        m.body,
        { persistent: true, contentType: 'application/json', headers: HEADERS },
        (err: Error | null) => this.settled(m, err),
      );
      if (!ok) this.blocked = true;
    }
  }

  private settled(m: OutboxMessage, err: Error | null): void {
    if (!this.inFlight.delete(m)) return;
    if (!err) this.counters.confirmed++;
    else if (err.message === 'message nacked') this.counters.rejected++;
    else this.returning.push(m); // the channel closed first: send again
    this.kick();
  }

  private lost(why: string): void {
    if (!this.channel && !this.model) return;
    this.channel = null;
    this.model = null;
    this.broadcastChannel = null;
    this.blocked = false;
    // Whatever the close did not settle goes back too, in the order it was sent.
    for (const m of this.inFlight) this.returning.push(m);
    this.inFlight.clear();
    this.options.outbox.putBack(this.returning);
    this.returning = [];
    if (this.closing) return;
    this.counters.reconnects++;
    this.options.logger.warn({ why, err: this.lastError }, 'broker connection lost: reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing) return;
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }
}
