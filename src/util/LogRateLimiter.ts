// Keeps a flood of bad input from flooding the log: per reason, the first `burst` lines of a
// window are written, the rest only counted, and when the next line of that reason comes in a
// later window, one line says how many were held back. Counters (ReceiverStats) still count
// every message; only the log is thinned.

export interface RateLimit {
  /** Lines per reason per window. */
  burst: number;
  windowMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 10, windowMs: 10_000 };

interface Window {
  start: number;
  written: number;
  suppressed: number;
}

export class LogRateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: RateLimit = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Whether a line of this reason may be written now, and how many lines of it were held back
   * since the last one written (to be said in that line).
   */
  admit(reason: string): { write: boolean; suppressedBefore: number } {
    const t = this.now();
    let w = this.windows.get(reason);
    if (!w || t - w.start >= this.limit.windowMs) {
      const suppressedBefore = w?.suppressed ?? 0;
      w = { start: t, written: 1, suppressed: 0 };
      this.windows.set(reason, w);
      return { write: true, suppressedBefore };
    }
    if (w.written < this.limit.burst) {
      w.written++;
      return { write: true, suppressedBefore: 0 };
    }
    w.suppressed++;
    return { write: false, suppressedBefore: 0 };
  }
}
