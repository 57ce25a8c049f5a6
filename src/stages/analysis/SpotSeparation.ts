// Spot-separation warnings for a frame (they warn, never stop processing):
// - nearest-neighbour distances between spots (grid hashing, O(n) expected), as a histogram
//   of 1-px bins;
// - split / multiple-lattice flag: too many very close pairs. Rule: with n spots spread at
//   random (Poisson) over a valid area A, the expected number of spots whose nearest neighbour
//   is closer than r is E = n (1 - exp(-pi r^2 n / A)). The flag is raised when the observed
//   number k of such spots is at least minClose (10) and at least minFraction (10 %) of the
//   spots, and exceeds E + max(3 E, 3 sqrt(E)) (far outside Poisson scatter);
// - saturation flag: saturated pixels on the frame (at least minSaturatedPixels).

/** Spots closer than this (px) are "very close": the partners of a split crystal's spots that a
 * spot finder resolves as two sit 4-8 px apart (closer ones merge into one spot), while at
 * SSX spot densities (a few hundred spots on millions of pixels) random neighbours that close
 * are a few per cent of the spots. */
export const DEFAULT_CLOSE_RADIUS_PX = 8;

export interface SeparationOptions {
  /** "Very close" radius in pixels (default DEFAULT_CLOSE_RADIUS_PX). */
  closeRadius?: number;
  /** Histogram range in pixels (1-px bins). */
  histogramMax?: number;
  minClose?: number;
  minFraction?: number;
  minSaturatedPixels?: number;
}

export interface SeparationResult {
  /** Count of spots per 1-px nearest-neighbour distance bin; last bin collects everything beyond. */
  histogram: Uint32Array;
  medianNearest: number | null;
  closeCount: number;
  expectedClose: number;
  splitFlag: boolean;
  saturationFlag: boolean;
}

export interface XYSource {
  count: number;
  x(i: number): number;
  y(i: number): number;
}

export class SpotSeparation {
  private readonly closeRadius: number;
  private readonly minClose: number;
  private readonly minFraction: number;
  private readonly minSaturated: number;
  private readonly histogram: Uint32Array;
  private nearest = new Float64Array(0);
  private cellStart = new Int32Array(0);
  private cellNext = new Int32Array(0);

  /** @param validArea area (pixels) over which spots can appear: the number of valid pixels. */
  constructor(
    private readonly validArea: number,
    options: SeparationOptions = {},
  ) {
    this.closeRadius = options.closeRadius ?? DEFAULT_CLOSE_RADIUS_PX;
    this.minClose = options.minClose ?? 10;
    this.minFraction = options.minFraction ?? 0.1;
    this.minSaturated = options.minSaturatedPixels ?? 1;
    if (!(validArea > 0)) throw new Error(`spot separation: valid area must be positive, got ${validArea}`);
    if (!(this.closeRadius > 0))
      throw new Error(`spot separation: closeRadius must be positive, got ${this.closeRadius}`);
    this.histogram = new Uint32Array(Math.max(2, Math.ceil(options.histogramMax ?? 50) + 1));
  }

  /** Nearest-neighbour distance of every spot (Infinity for a lone spot); reused buffer. */
  nearestDistances(spots: XYSource): Float64Array {
    const n = spots.count;
    if (this.nearest.length < n) {
      this.nearest = new Float64Array(Math.max(n, this.nearest.length * 2));
      this.cellNext = new Int32Array(this.nearest.length);
    }
    const out = this.nearest.subarray(0, n);
    if (n < 2) {
      out.fill(Infinity);
      return out;
    }
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const x = spots.x(i),
        y = spots.y(i);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    // about two spots per cell
    const cell = Math.max(1, Math.sqrt(((maxX - minX + 1) * (maxY - minY + 1) * 2) / n));
    const nx = Math.floor((maxX - minX) / cell) + 1,
      ny = Math.floor((maxY - minY) / cell) + 1;
    if (this.cellStart.length < nx * ny) this.cellStart = new Int32Array(nx * ny);
    const start = this.cellStart,
      next = this.cellNext;
    start.fill(-1, 0, nx * ny);
    const cx = (i: number) => Math.floor((spots.x(i) - minX) / cell);
    const cy = (i: number) => Math.floor((spots.y(i) - minY) / cell);
    for (let i = 0; i < n; i++) {
      const c = cy(i) * nx + cx(i);
      next[i] = start[c]!;
      start[c] = i;
    }
    for (let i = 0; i < n; i++) {
      const x = spots.x(i),
        y = spots.y(i),
        ix = cx(i),
        iy = cy(i);
      let best = Infinity;
      // search growing square rings of cells until no closer spot can exist
      for (let ring = 0; ; ring++) {
        for (let gy = iy - ring; gy <= iy + ring; gy++) {
          if (gy < 0 || gy >= ny) continue;
          for (let gx = ix - ring; gx <= ix + ring; gx++) {
            if (gx < 0 || gx >= nx) continue;
            if (Math.max(Math.abs(gx - ix), Math.abs(gy - iy)) !== ring) continue;
            for (let j = start[gy * nx + gx]!; j >= 0; j = next[j]!) {
              if (j === i) continue;
              const d = Math.hypot(spots.x(j) - x, spots.y(j) - y);
              if (d < best) best = d;
            }
          }
        }
        if (best <= ring * cell || ring > nx + ny) break;
      }
      out[i] = best;
    }
    return out;
  }

  analyse(spots: XYSource, saturatedPixels: number): SeparationResult {
    const n = spots.count;
    const nearest = this.nearestDistances(spots);
    const hist = this.histogram;
    hist.fill(0);
    let close = 0;
    for (let i = 0; i < n; i++) {
      const d = nearest[i]!;
      if (d < this.closeRadius) close++;
      if (Number.isFinite(d)) hist[Math.min(hist.length - 1, Math.floor(d))]!++;
    }
    const density = n / this.validArea;
    const expected = n * (1 - Math.exp(-Math.PI * this.closeRadius * this.closeRadius * density));
    const splitFlag =
      close >= this.minClose &&
      close >= this.minFraction * n &&
      close > expected + Math.max(3 * expected, 3 * Math.sqrt(expected));
    let median: number | null = null;
    if (n >= 2) {
      const sorted = Float64Array.from(nearest).sort();
      median = sorted[Math.floor((n - 1) / 2)]!;
    }
    return {
      histogram: hist,
      medianNearest: median,
      closeCount: close,
      expectedClose: expected,
      splitFlag,
      saturationFlag: saturatedPixels >= this.minSaturated,
    };
  }
}
