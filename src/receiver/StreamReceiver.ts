// Receives a DECTRIS detector stream (V1 or V2, detected per message) from the detector's PUSH
// socket and hands out typed events through an async iterator. One receiver per detector:
// PUSH deals messages round-robin, so a second receiver would miss headers.
import { Pull } from 'zeromq';
import type { StreamEvent } from './events.js';
import { defaultReceiverLogger, type ReceiverLogger } from './logger.js';
import type { ReceiverStats } from './ReceiverStats.js';
import { StreamDecoder, type StreamDecoderOptions } from './StreamDecoder.js';

export const DEFAULT_PORT = { 1: 9999, 2: 31001 } as const;

export interface StreamReceiverOptions extends StreamDecoderOptions {
  /**
   * Messages ZeroMQ may queue in this process before the detector's PUSH socket waits. Bounds
   * memory when the consumer falls behind (a 4M uint32 frame is several MB).
   */
  receiveHighWaterMark?: number;
  /** Called with each message's parts and the events it made, before they are handed out (the
   * pipeline keeps header messages for a restart). */
  onMessage?: (parts: readonly Buffer[], events: readonly StreamEvent[]) => void;
}

export class StreamReceiver implements AsyncIterable<StreamEvent> {
  readonly endpoint: string;
  private readonly socket: Pull;
  private readonly decoder: StreamDecoder;
  private readonly logger: ReceiverLogger;
  private closed = false;
  private iterating = false;
  private readonly onMessage: StreamReceiverOptions['onMessage'];

  /** The detector's stream endpoint: tcp://host:9999 for V1, tcp://host:31001 for V2. */
  static endpointFor(host: string, version: 1 | 2): string {
    return `tcp://${host}:${DEFAULT_PORT[version]}`;
  }

  constructor(endpoint: string, options: StreamReceiverOptions = {}) {
    this.endpoint = endpoint;
    this.logger = options.logger ?? defaultReceiverLogger();
    this.decoder = new StreamDecoder({ ...options, logger: this.logger });
    this.onMessage = options.onMessage;
    this.socket = new Pull({ receiveHighWaterMark: options.receiveHighWaterMark ?? 100, linger: 0 });
    this.socket.connect(endpoint);
    this.logger.info({ endpoint }, `receiver connecting to ${endpoint}`);
  }

  get stats(): ReceiverStats {
    return this.decoder.stats;
  }

  /** Events in arrival order, until close(); ends with SeriesEnd{complete:false} if a series is open. */
  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.iterating) throw new Error('StreamReceiver: only one consumer may iterate the events');
    this.iterating = true;
    return this.events();
  }

  /**
   * Decodes a message kept from before (a restarted pipeline's header of the series it had
   * open), as if it had just arrived, so the series' remaining images are taken as its own.
   */
  prime(parts: readonly Uint8Array[]): StreamEvent[] {
    return this.decoder.decodeMessage(parts);
  }

  /** Stops receiving; a pending iteration finishes (after closing any open series). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.logger.info({ endpoint: this.endpoint, ...this.stats.snapshot() }, `receiver closed (${this.endpoint})`);
  }

  private async *events(): AsyncGenerator<StreamEvent> {
    try {
      while (!this.closed) {
        let parts: Buffer[];
        try {
          parts = await this.socket.receive();
        } catch (err) {
          if (!this.closed)
            this.logger.error(
              { endpoint: this.endpoint, err: String(err) },
              `receiver socket failed: ${(err as Error).message}`,
            );
          break;
        }
        const events = this.decoder.decodeMessage(parts);
        this.onMessage?.(parts, events);
        for (const event of events) yield event;
      }
      yield* this.decoder.finish('receiver stopped before the end of the series');
    } finally {
      this.close();
    }
  }
}
