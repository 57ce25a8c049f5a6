// The detector side of a stream, for tests: a ZeroMQ PUSH socket bound to a random free loopback
// port, sending given (multipart) messages. Also a logger that records what the receiver logs.
import { Push } from 'zeromq';

export class PushPeer {
  private constructor(
    private readonly socket: Push,
    readonly endpoint: string,
  ) {}

  static async bind(): Promise<PushPeer> {
    const socket = new Push({ linger: 0, sendHighWaterMark: 1000 });
    await socket.bind('tcp://127.0.0.1:*');
    const endpoint = socket.lastEndpoint;
    if (!endpoint) throw new Error('PushPeer: bound socket has no endpoint');
    return new PushPeer(socket, endpoint);
  }

  /** Sends one message (one part, or several as a multipart message); waits until queued. */
  async send(message: Uint8Array | readonly Uint8Array[]): Promise<void> {
    await this.socket.send(message instanceof Uint8Array ? message : [...message]);
  }

  async sendAll(messages: ReadonlyArray<Uint8Array | readonly Uint8Array[]>): Promise<void> {
    for (const m of messages) await this.send(m);
  }

  close(): void {
    this.socket.close();
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A ReceiverLogger that keeps every line. */
export class RecordingLogger {
  readonly lines: LogLine[] = [];
  info(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', fields, message });
  }
  /** Warnings and errors only. */
  get problems(): LogLine[] {
    return this.lines.filter((l) => l.level !== 'info');
  }
}

import type { Frame, SeriesStart, StreamEvent } from '../../src/receiver/events.js';
import { StreamReceiver, type StreamReceiverOptions } from '../../src/receiver/StreamReceiver.js';
import type { ReceiverStats } from '../../src/receiver/ReceiverStats.js';

export interface Exchange {
  events: StreamEvent[];
  stats: ReceiverStats;
  log: RecordingLogger;
}

/**
 * Sends `messages` from a fresh PushPeer to a fresh StreamReceiver over loopback, collects events
 * until the receiver has taken every message off the socket, then closes both. The events include
 * the SeriesEnd{complete:false} the receiver emits on close when a series is still open.
 */
export async function exchange(
  messages: ReadonlyArray<Uint8Array | readonly Uint8Array[]>,
  options: Omit<StreamReceiverOptions, 'logger'> = {},
): Promise<Exchange> {
  const peer = await PushPeer.bind();
  const log = new RecordingLogger();
  const receiver = new StreamReceiver(peer.endpoint, { ...options, logger: log });
  const events: StreamEvent[] = [];
  const consumed = (async () => {
    for await (const e of receiver) events.push(e);
  })();
  try {
    await peer.sendAll(messages);
    const deadline = Date.now() + 20_000;
    while (receiver.stats.messages < messages.length) {
      if (Date.now() > deadline)
        throw new Error(`exchange: only ${receiver.stats.messages} of ${messages.length} messages arrived`);
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    receiver.close();
    await consumed;
    peer.close();
  }
  return { events, stats: receiver.stats, log };
}

/** The frames among `events`. */
export function framesOf(events: readonly StreamEvent[]): Frame[] {
  return events.filter((e): e is Frame => e.type === 'frame');
}

/** The first series start among `events` (the test expects one). */
export function seriesStartOf(events: readonly StreamEvent[]): SeriesStart {
  return events.find((e): e is SeriesStart => e.type === 'series-start')!;
}
