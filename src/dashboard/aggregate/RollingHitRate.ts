// The hit rate over time, per path, as the screen plots it: once a second, the fraction of the
// frames analysed in the last `windowS` seconds that were hits. Frames are counted into
// one-second buckets as their results come; a second with no result on a path gives null (the
// path was idle, which is not a hit rate of zero).
import type { PoolPath } from '../../sinks/records.js';

/** Seconds of history kept: the plot shows the last quarter of an hour. */
const HISTORY_S = 900;

interface Bucket {
  frames: number;
  hits: number;
}

export class RollingHitRate {
  private readonly buckets: Record<PoolPath, Bucket[]>;
  /** The next whole second (since start) to sample. */
  private nextSecond = 1;
  readonly t: number[] = [];
  readonly good: (number | null)[] = [];
  readonly fast: (number | null)[] = [];

  constructor(
    private readonly startMs: number,
    readonly windowS = 10,
  ) {
    const empty = () => Array.from({ length: windowS }, () => ({ frames: 0, hits: 0 }));
    this.buckets = { good: empty(), fast: empty() };
  }

  add(path: PoolPath, hit: boolean, nowMs: number): void {
    this.sample(nowMs);
    const b = this.bucketAt(path, Math.floor((nowMs - this.startMs) / 1000));
    b.frames++;
    if (hit) b.hits++;
  }

  /** Appends a point for every whole second passed since the last call. */
  sample(nowMs: number): void {
    const second = Math.floor((nowMs - this.startMs) / 1000);
    // After a long silence, only the last window's worth of seconds can hold anything.
    if (second - this.nextSecond > this.windowS) this.skipTo(second - this.windowS);
    while (this.nextSecond <= second) {
      const s = this.nextSecond++;
      this.t.push(s);
      this.good.push(this.rate('good', s));
      this.fast.push(this.rate('fast', s));
      this.bucketAt('good', s).frames = this.bucketAt('good', s).hits = 0;
      this.bucketAt('fast', s).frames = this.bucketAt('fast', s).hits = 0;
    }
    if (this.t.length > HISTORY_S) {
      const cut = this.t.length - HISTORY_S;
      this.t.splice(0, cut);
      this.good.splice(0, cut);
      this.fast.splice(0, cut);
    }
  }

  /** The rate over the window ending at second s (exclusive); null when no frames. */
  private rate(path: PoolPath, s: number): number | null {
    let frames = 0;
    let hits = 0;
    for (let k = 1; k <= this.windowS; k++) {
      if (s - k < 0) break;
      const b = this.bucketAt(path, s - k);
      frames += b.frames;
      hits += b.hits;
    }
    return frames > 0 ? Math.round((hits / frames) * 1e4) / 1e4 : null;
  }

  /** A window-long ring: bucket of second s. Second s's bucket is cleared when s is sampled. */
  private bucketAt(path: PoolPath, s: number): Bucket {
    const ring = this.buckets[path];
    return ring[((s % this.windowS) + this.windowS) % this.windowS]!;
  }

  private skipTo(second: number): void {
    for (const ring of Object.values(this.buckets)) for (const b of ring) b.frames = b.hits = 0;
    for (let s = this.nextSecond; s < second; s += Math.max(1, Math.floor((second - s) / HISTORY_S))) {
      this.t.push(s);
      this.good.push(null);
      this.fast.push(null);
    }
    this.nextSecond = second;
  }
}
