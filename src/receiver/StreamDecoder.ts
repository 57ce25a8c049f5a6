// One stream message (the parts of a ZeroMQ message) → typed events, for V1 and V2 alike.
// Detects the version per message, runs the series state machine, counts everything, and turns
// every problem into a log line and a counter: bad input never throws out of here.
import { FrameDecoder } from '../codec/FrameDecoder.js';
import type { Frame, StreamEvent } from './events.js';
import type { DecodedMessage } from './DecodedMessage.js';
import type { FrameDecoding } from './frameDecoding.js';
import { defaultReceiverLogger, type ReceiverLogger } from './logger.js';
import { ReceiverStats } from './ReceiverStats.js';
import { DEFAULT_RATE_LIMIT, LogRateLimiter, type RateLimit } from '../util/LogRateLimiter.js';
import { SeriesTracker } from './SeriesTracker.js';
import { StreamError } from './StreamError.js';
import { Stream1Decoder } from './v1/Stream1Decoder.js';
import { Stream2Decoder } from './v2/Stream2Decoder.js';

export interface StreamDecoderOptions {
  logger?: ReceiverLogger;
  /** Distance (m) to use when the stream gives none (V2 always lacks detector_distance). */
  detectorDistance?: number | null;
  /**
   * Decode every frame once to prove it decodes to its shape. Off by default: framed codecs and raw
   * frames are size-checked from their headers, but a bare V1 "lz4<" block can only be checked so.
   */
  verifyDecode?: boolean;
  /** Log lines per bad-input reason per window (counters always count everything). */
  logRateLimit?: RateLimit;
  /** The frame decoder (header arrays, verifyDecode); defaults to the codec's FrameDecoder. */
  frameDecoder?: () => FrameDecoding;
}

const OPEN_BRACE = 0x7b;

export class StreamDecoder {
  readonly stats = new ReceiverStats();
  private readonly logLimit: LogRateLimiter;
  private readonly tracker = new SeriesTracker();
  private readonly logger: ReceiverLogger;
  private readonly v1: Stream1Decoder;
  private readonly v2: Stream2Decoder;
  private readonly verifyDecode: boolean;
  private readonly frameDecoder: () => FrameDecoding;

  constructor(options: StreamDecoderOptions = {}) {
    this.logger = options.logger ?? defaultReceiverLogger();
    this.logLimit = new LogRateLimiter(options.logRateLimit ?? DEFAULT_RATE_LIMIT);
    this.verifyDecode = options.verifyDecode ?? false;
    let decoder: FrameDecoding | undefined;
    this.frameDecoder = options.frameDecoder ?? (() => (decoder ??= createFrameDecoder()));
    this.v1 = new Stream1Decoder({ detectorDistance: options.detectorDistance ?? null });
    this.v2 = new Stream2Decoder({
      detectorDistance: options.detectorDistance ?? null,
      frameDecoder: this.frameDecoder,
    });
  }

  /** The events one message produces (none when it was rejected). Never throws. */
  decodeMessage(parts: readonly Uint8Array[], receivedAt: number = Date.now()): StreamEvent[] {
    this.stats.messages++;
    for (const p of parts) this.stats.bytes += p.byteLength;
    try {
      return this.apply(this.parse(parts, receivedAt), receivedAt);
    } catch (err) {
      this.reject(err, parts);
      return [];
    }
  }

  /** Closes the open series as incomplete (the receiver is stopping); [] when none is open. */
  finish(reason: string, receivedAt: number = Date.now()): StreamEvent[] {
    const end = this.tracker.abandon(reason, receivedAt);
    if (!end) return [];
    this.logger.warn(
      { series: end.series, framesReceived: end.framesReceived },
      `series ${end.series} closed incomplete: ${reason}`,
    );
    return [end];
  }

  private parse(parts: readonly Uint8Array[], receivedAt: number): DecodedMessage {
    if (parts.length === 0 || parts[0]!.byteLength === 0) {
      throw new StreamError('part-count', `message with ${parts.length === 0 ? 'no parts' : 'an empty first part'}`);
    }
    // A V1 message starts with a JSON object; a V2 message is one CBOR map (never a '{' byte).
    if (parts.length > 1 || firstNonSpace(parts[0]!) === OPEN_BRACE) {
      return this.v1.decode(parts as Uint8Array[], this.tracker, receivedAt);
    }
    return this.v2.decode(parts[0]!, this.tracker, receivedAt);
  }

  private apply(decoded: DecodedMessage, receivedAt: number): StreamEvent[] {
    switch (decoded.kind) {
      case 'start': {
        for (const w of decoded.warnings) this.count(w);
        const cut = this.tracker.begin(decoded.start);
        if (cut)
          this.logger.warn(
            { series: cut.series, framesReceived: cut.framesReceived },
            `series ${cut.series} closed incomplete: ${cut.reason}`,
          );
        this.stats.series++;
        const s = decoded.start;
        this.logger.info(
          {
            series: s.series,
            streamVersion: s.streamVersion,
            width: s.width,
            height: s.height,
            headerDetail: s.headerDetail,
          },
          `series ${s.series} started (stream V${s.streamVersion}, ${s.width}x${s.height}, header_detail ${s.headerDetail})`,
        );
        return cut ? [cut, s] : [s];
      }
      case 'image': {
        for (const w of decoded.warnings ?? []) this.count(w);
        if (this.verifyDecode) for (const f of decoded.frames) this.verify(f);
        this.tracker.open!.framesReceived++;
        this.stats.frames += decoded.frames.length;
        return decoded.frames;
      }
      case 'end': {
        const end = this.tracker.finish(receivedAt);
        this.logger.info(
          { series: end.series, framesReceived: end.framesReceived },
          `series ${end.series} ended after ${end.framesReceived} images`,
        );
        return [end];
      }
    }
  }

  private verify(f: Frame): void {
    try {
      this.frameDecoder().decode(f.data, f.encoding, f.width, f.height, f.dtype);
    } catch (err) {
      throw new StreamError(
        'decode-failed',
        `frame ${f.frame} of series ${f.series} (${f.encoding.name}, ${f.width}x${f.height} ${f.dtype}) does not decode: ${(err as Error).message}`,
      );
    }
  }

  private reject(err: unknown, parts: readonly Uint8Array[]): void {
    if (err instanceof StreamError) {
      this.count(err, `skipped message: `);
      return;
    }
    this.stats.errors.internal++;
    const { write, suppressedBefore } = this.logLimit.admit('internal');
    if (!write) return;
    this.logger.error(
      {
        reason: 'internal',
        parts: parts.length,
        err: err instanceof Error ? err.stack : String(err),
        ...(suppressedBefore ? { suppressedBefore } : {}),
      },
      `skipped message: receiver error ${(err as Error)?.message ?? String(err)}`,
    );
  }

  private count(err: StreamError, prefix = ''): void {
    this.stats.errors[err.reason]++;
    const { write, suppressedBefore } = this.logLimit.admit(err.reason);
    if (!write) return;
    const held = suppressedBefore
      ? ` (${suppressedBefore} more "${err.reason}" lines were held back before this one)`
      : '';
    this.logger.warn(
      { reason: err.reason, ...err.details, ...(suppressedBefore ? { suppressedBefore } : {}) },
      `${prefix}${err.message}${held}`,
    );
  }
}

function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.byteLength && i < 64; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  }
  return -1;
}

function createFrameDecoder(): FrameDecoding {
  return new FrameDecoder();
}
