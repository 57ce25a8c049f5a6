import { describe, expect, it } from 'vitest';
import { LogRateLimiter } from '../src/util/LogRateLimiter.js';
import { StreamDecoder } from '../src/receiver/StreamDecoder.js';

describe('log rate limit for bad input', () => {
  it('writes a burst per reason and window, then says how many were held back', () => {
    let now = 0;
    const limiter = new LogRateLimiter({ burst: 3, windowMs: 1000 }, () => now);
    const written = Array.from({ length: 10 }, () => limiter.admit('malformed-json').write);
    expect(written).toEqual([true, true, true, false, false, false, false, false, false, false]);
    // Another reason has its own budget.
    expect(limiter.admit('unknown-encoding').write).toBe(true);
    now = 1500;
    expect(limiter.admit('malformed-json')).toEqual({ write: true, suppressedBefore: 7 });
    expect(limiter.admit('malformed-json')).toEqual({ write: true, suppressedBefore: 0 });
  });

  it("thins the receiver's log under a flood while its counters count every message", () => {
    const lines: string[] = [];
    const logger = {
      info: () => undefined,
      warn: (_: object, m: string) => void lines.push(m),
      error: (_: object, m: string) => void lines.push(m),
    };
    const decoder = new StreamDecoder({ logger, logRateLimit: { burst: 5, windowMs: 60_000 } });
    for (let i = 0; i < 500; i++) decoder.decodeMessage([Buffer.from('{"htype": ')]);
    expect(decoder.stats.errorTotal).toBe(500);
    expect(lines.length).toBe(5);
    expect(lines[0]).toMatch(/skipped message/);
  });
});
