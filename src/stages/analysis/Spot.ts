// A found spot, and the flat table the spot finders write spots into.
// Coordinates follow DIALS: x along the fast axis, y along the slow axis, the centre of pixel
// (i, j) at (i + 0.5, j + 0.5). The table is a Float64Array of SPOT_STRIDE numbers per spot,
// preallocated by the caller with a capacity and reused from frame to frame.

export const SPOT_STRIDE = 8;

/** Column offsets inside one spot row (same layout as native/src/spot_common.h). */
export const SpotColumn = {
  x: 0,
  y: 1,
  /** dispersion: summed raw counts (DIALS intensity.sum.value); peakfinder8: sum of (v - local background). */
  intensity: 2,
  npix: 3,
  /** largest raw pixel value in the spot */
  max: 4,
  /** peakfinder8: intensity / local background sigma; NaN for dispersion */
  snr: 5,
  /** peakfinder8: local background per pixel; NaN for dispersion */
  background: 6,
  backgroundSigma: 7,
} as const;

export interface Spot {
  x: number;
  y: number;
  intensity: number;
  npix: number;
  max: number;
  /** null where the finder defines no SNR */
  snr: number | null;
  background: number | null;
}

/** A reusable spot table: `count` valid rows in `table`. */
export class SpotTable {
  readonly table: Float64Array;
  count = 0;
  /** Spots found beyond the capacity (not stored). */
  overflow = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new Error(`spot table: capacity must be a non-negative integer, got ${capacity}`);
    this.table = new Float64Array(capacity * SPOT_STRIDE);
  }

  x(i: number): number {
    return this.table[i * SPOT_STRIDE + SpotColumn.x]!;
  }
  y(i: number): number {
    return this.table[i * SPOT_STRIDE + SpotColumn.y]!;
  }
  intensity(i: number): number {
    return this.table[i * SPOT_STRIDE + SpotColumn.intensity]!;
  }
  npix(i: number): number {
    return this.table[i * SPOT_STRIDE + SpotColumn.npix]!;
  }
  max(i: number): number {
    return this.table[i * SPOT_STRIDE + SpotColumn.max]!;
  }

  /** One spot as an object (allocates: for reporting, not for the per-frame hot path). */
  spot(i: number): Spot {
    if (i < 0 || i >= this.count) throw new RangeError(`spot ${i} out of range (count ${this.count})`);
    const o = i * SPOT_STRIDE;
    const t = this.table;
    const nanToNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
    return {
      x: t[o + SpotColumn.x]!,
      y: t[o + SpotColumn.y]!,
      intensity: t[o + SpotColumn.intensity]!,
      npix: t[o + SpotColumn.npix]!,
      max: t[o + SpotColumn.max]!,
      snr: nanToNull(t[o + SpotColumn.snr]!),
      background: nanToNull(t[o + SpotColumn.background]!),
    };
  }

  toArray(): Spot[] {
    const out: Spot[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.spot(i));
    return out;
  }
}
