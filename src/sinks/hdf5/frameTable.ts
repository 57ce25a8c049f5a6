// Per-frame columns of the written frames (image number, times, analysis results, red flags as
// bits, peaks), kept compact until they are written: a data file's at its close, the series' at
// the master's. Flag names get bits in order of FLAG_BITS, then of first appearance.
import { FRAME_FLAGS } from '../records.js';
import type { HitFrame } from './hitFileTypes.js';

type NumberArray = Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array;
type ArrayOf<T extends NumberArray> = { new (length: number): T };

/** A typed array that grows by doubling. */
class Column<T extends NumberArray> {
  private data: T;
  length = 0;

  constructor(private readonly ctor: ArrayOf<T>) {
    this.data = new ctor(64);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new this.ctor(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /** The values so far (a view, valid until the next push). */
  values(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Red flag names and their bits (at most 32 per series). */
export class FlagBits {
  readonly names: string[] = [...FRAME_FLAGS];

  bits(flags: readonly string[]): number {
    let bits = 0;
    for (const flag of flags) {
      let bit = this.names.indexOf(flag);
      if (bit < 0) {
        if (this.names.length === 32) throw new Error(`hit files: more than 32 distinct red flags (${flag})`);
        bit = this.names.push(flag) - 1;
      }
      bits |= 1 << bit;
    }
    return bits >>> 0;
  }
}

export class FrameTable {
  readonly image = new Column(Float64Array);
  readonly startTime = new Column(Float64Array);
  readonly receivedAt = new Column(Float64Array);
  readonly nSpots = new Column(Int32Array);
  readonly nSpotsNoIce = new Column(Int32Array);
  readonly nSpots4A = new Column(Int32Array);
  readonly dMin = new Column(Float64Array);
  readonly hit = new Column(Uint8Array);
  readonly flags = new Column(Uint32Array);
  readonly totalIntensity = new Column(Float64Array);
  readonly nPeaks = new Column(Int32Array);
  /** Per frame, [x, y, intensity] * n in CXI's convention (first pixel's centre at 0); only when
   * the table keeps peaks. */
  readonly peaks: Float32Array[] = [];
  maxPeaks = 0;
  minImage = Infinity;
  maxImage = -Infinity;

  constructor(private readonly keepPeaks: boolean) {}

  get length(): number {
    return this.image.length;
  }

  add(frame: HitFrame, flagBits: number): void {
    const r = frame.result;
    this.image.push(frame.image);
    this.minImage = Math.min(this.minImage, frame.image);
    this.maxImage = Math.max(this.maxImage, frame.image);
    this.startTime.push(frame.startTime ?? NaN);
    this.receivedAt.push(frame.receivedAt);
    this.nSpots.push(r.n_spots);
    this.nSpotsNoIce.push(r.n_spots_no_ice);
    this.nSpots4A.push(r.n_spots_4A);
    this.dMin.push(r.d_min ?? NaN);
    this.hit.push(r.hit ? 1 : 0);
    this.flags.push(flagBits);
    this.totalIntensity.push(r.total_intensity);
    this.nPeaks.push(r.spots.length);
    this.maxPeaks = Math.max(this.maxPeaks, r.spots.length);
    if (this.keepPeaks) {
      const p = new Float32Array(r.spots.length * 3);
      r.spots.forEach(([x, y, intensity], i) => {
        // DIALS puts the first pixel's centre at 0.5; CXI (Cheetah) at 0, and CrystFEL adds 0.5 back.
        p[3 * i] = x - 0.5;
        p[3 * i + 1] = y - 0.5;
        p[3 * i + 2] = intensity;
      });
      this.peaks.push(p);
    }
  }

  /** Lowest and highest image number, null when empty. */
  imageRange(): { first: number | null; last: number | null } {
    return this.length === 0 ? { first: null, last: null } : { first: this.minImage, last: this.maxImage };
  }

  /** Columns of the CXI peak arrays: the most peaks of a frame, at least 1. */
  get peakWidth(): number {
    return Math.max(1, this.maxPeaks);
  }

  /** The CXI peak arrays [frames, peakWidth] (x, y, intensity), padded with 0. */
  peakArrays(): { width: number; x: Float32Array; y: Float32Array; intensity: Float32Array } {
    const width = this.peakWidth;
    const n = this.peaks.length;
    const x = new Float32Array(n * width);
    const y = new Float32Array(n * width);
    const intensity = new Float32Array(n * width);
    this.peaks.forEach((p, f) => {
      for (let i = 0; i < p.length / 3; i++) {
        x[f * width + i] = p[3 * i]!;
        y[f * width + i] = p[3 * i + 1]!;
        intensity[f * width + i] = p[3 * i + 2]!;
      }
    });
    return { width, x, y, intensity };
  }
}
