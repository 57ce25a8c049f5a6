// Counters of one receiver: what arrived, what was produced, and what was rejected, by reason.
import { ERROR_REASONS, type ErrorReason } from './StreamError.js';

export class ReceiverStats {
  /** Messages taken off the socket (a V1 multipart message counts once). */
  messages = 0;
  /** Frame events produced (one per channel per image). */
  frames = 0;
  /** Bytes received, all parts included. */
  bytes = 0;
  /** SeriesStart events produced. */
  series = 0;
  /** Rejected messages (and dropped header arrays) by reason. */
  readonly errors: Record<ErrorReason, number> = Object.fromEntries(ERROR_REASONS.map((r) => [r, 0])) as Record<
    ErrorReason,
    number
  >;

  get errorTotal(): number {
    let total = 0;
    for (const r of ERROR_REASONS) total += this.errors[r];
    return total;
  }

  /** A plain copy, for logging or JSON. */
  snapshot(): { messages: number; frames: number; bytes: number; series: number; errors: Record<ErrorReason, number> } {
    return {
      messages: this.messages,
      frames: this.frames,
      bytes: this.bytes,
      series: this.series,
      errors: { ...this.errors },
    };
  }
}
