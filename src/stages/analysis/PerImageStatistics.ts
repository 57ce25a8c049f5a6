// Per-frame statistics after DIALS's per-image analysis, from a frame's spot table:
//   nSpotsTotal, nSpotsNoIce (hexagonal-ice rings removed), nSpots4A (d > 4 A),
//   totalIntensity (sum over no-ice spots, as DIALS), estimatedDMin (DIALS's method; null when
//   DIALS gives -1, which includes nSpotsNoIce <= 10), hit (nSpotsTotal >= hitMinSpots),
//   saturatedPixels and backgroundLevel passed through from the spot finder (the mean of the
//   valid, non-strong pixels, DIALS's "average background").
// Spots at the beam centre (d*^2 = 0) are left out, as DIALS does.
// The per-spot arrays are reused between frames; the returned object is new per frame (small).
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { DEFAULT_ICE_RING_WIDTH, IceRingFilter } from './IceRings.js';
import { estimateResolution } from './ResolutionEstimate.js';
import type { SpotTable } from './Spot.js';

export interface PerImageOptions {
  /** A frame is a hit with at least this many spots (default 20). */
  hitMinSpots?: number;
  filterIce?: boolean;
  iceRingWidth?: number;
  /** Resolution analysis needs more than this many no-ice spots (DIALS: 10). */
  minSpotsForResolution?: number;
}

export interface PerImageStats {
  nSpotsTotal: number;
  nSpotsNoIce: number;
  nSpots4A: number;
  totalIntensity: number;
  estimatedDMin: number | null;
  hit: boolean;
  saturatedPixels: number;
  backgroundLevel: number;
}

export interface FrameCounters {
  saturatedPixels: number;
  backgroundMean: number;
}

export class PerImageStatistics {
  readonly hitMinSpots: number;
  private readonly filterIce: boolean;
  private readonly minSpotsForResolution: number;
  private readonly ice: IceRingFilter;
  private dStarSq = new Float64Array(0);
  private intensity = new Float64Array(0);
  private onIce = new Uint8Array(0);

  constructor(
    private readonly geometry: DetectorGeometry,
    options: PerImageOptions = {},
  ) {
    this.hitMinSpots = options.hitMinSpots ?? 20;
    this.filterIce = options.filterIce ?? true;
    this.minSpotsForResolution = options.minSpotsForResolution ?? 10;
    if (!(this.hitMinSpots >= 0))
      throw new Error(`per-image statistics: hitMinSpots must be >= 0, got ${this.hitMinSpots}`);
    // rings down to the detector's highest resolution (its corners)
    const maxDs2 = geometry.maxAtCorners((x, y) => geometry.dStarSqAt(x, y));
    this.ice = new IceRingFilter(1 / Math.sqrt(maxDs2), options.iceRingWidth ?? DEFAULT_ICE_RING_WIDTH);
  }

  compute(spots: SpotTable, counters: FrameCounters): PerImageStats {
    const n = spots.count;
    if (this.dStarSq.length < n) {
      const cap = Math.max(n, this.dStarSq.length * 2);
      this.dStarSq = new Float64Array(cap);
      this.intensity = new Float64Array(cap);
      this.onIce = new Uint8Array(cap);
    }
    let m = 0,
      noIce = 0,
      n4A = 0,
      total = 0;
    for (let i = 0; i < n; i++) {
      const ds2 = this.geometry.dStarSqAt(spots.x(i), spots.y(i));
      if (!(ds2 > 0)) continue;
      const ice = this.filterIce && this.ice.onRing(ds2);
      this.dStarSq[m] = ds2;
      this.intensity[m] = spots.intensity(i);
      this.onIce[m] = ice ? 1 : 0;
      if (!ice) {
        noIce++;
        total += spots.intensity(i);
      }
      if (ds2 < 1 / 16) n4A++;
      m++;
    }
    const estimatedDMin =
      noIce > this.minSpotsForResolution
        ? estimateResolution({
            dStarSq: this.dStarSq.subarray(0, m),
            intensity: this.intensity.subarray(0, m),
            ice: this.onIce.subarray(0, m),
          })
        : null;
    return {
      nSpotsTotal: m,
      nSpotsNoIce: noIce,
      nSpots4A: n4A,
      totalIntensity: total,
      estimatedDMin,
      hit: m >= this.hitMinSpots,
      saturatedPixels: counters.saturatedPixels,
      backgroundLevel: counters.backgroundMean,
    };
  }
}
