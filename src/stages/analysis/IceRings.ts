// Hexagonal ice (Ih) powder rings and the spot filter DIALS's per-image analysis applies:
// cell a = b = 4.498, c = 7.338 A, gamma = 120 deg, space group P6_3/mmc (194); a spot is on a
// ring when its d*^2 lies within +-width/2 of the ring's d*^2 (width 0.004 1/A^2 by default).

export const ICE_CELL = { a: 4.498, c: 7.338 } as const;
export const DEFAULT_ICE_RING_WIDTH = 0.004;

/** True when (h, k, l) is systematically absent in P6_3/mmc: l odd on the hh(-2h)l family
 * (two of h, k, i = -h-k equal), which includes 000l. */
function absent(h: number, k: number, l: number): boolean {
  if (l % 2 === 0) return false;
  const i = -h - k;
  return h === k || k === i || h === i;
}

/** Sorted, distinct d*^2 (1/A^2) of the ice rings with d >= dMin (as DIALS: down to dMin
 * widened by half a ring width in d*^2). */
export function iceRingDStarSq(dMin: number, width = DEFAULT_ICE_RING_WIDTH): number[] {
  if (!(dMin > 0)) throw new Error(`ice rings: d_min must be positive, got ${dMin}`);
  if (!(width >= 0)) throw new Error(`ice rings: width must not be negative, got ${width}`);
  const limit = 1 / (dMin * dMin) + width / 2;
  const { a, c } = ICE_CELL;
  const hkFactor = 4 / (3 * a * a);
  const hMax = Math.ceil(Math.sqrt(limit / hkFactor) * 2) + 1;
  const lMax = Math.ceil(Math.sqrt(limit) * c) + 1;
  const rings: number[] = [];
  for (let h = -hMax; h <= hMax; h++) {
    for (let k = -hMax; k <= hMax; k++) {
      const hk = (h * h + h * k + k * k) * hkFactor;
      if (hk > limit) continue;
      for (let l = 0; l <= lMax; l++) {
        if (h === 0 && k === 0 && l === 0) continue;
        const ds2 = hk + (l * l) / (c * c);
        if (ds2 > limit || absent(h, k, l)) continue;
        rings.push(ds2);
      }
    }
  }
  rings.sort((x, y) => x - y);
  const distinct: number[] = [];
  for (const r of rings) if (distinct.length === 0 || r - distinct[distinct.length - 1]! > 1e-9) distinct.push(r);
  return distinct;
}

/** Distinct d-spacings (angstrom, descending) of the ice rings with d >= dMin. */
export function iceRingSpacings(dMin: number): number[] {
  return iceRingDStarSq(dMin, 0).map((ds2) => 1 / Math.sqrt(ds2)); // ascending d*^2: descending d
}

/** Ice-ring membership test over a fixed ring list (build once per geometry). */
export class IceRingFilter {
  readonly rings: Float64Array;
  readonly halfWidth: number;

  constructor(dMin: number, width = DEFAULT_ICE_RING_WIDTH) {
    if (!(width > 0)) throw new Error(`ice rings: width must be positive, got ${width}`);
    this.rings = Float64Array.from(iceRingDStarSq(dMin, width));
    this.halfWidth = width / 2;
  }

  /** True when a spot at this d*^2 lies on a ring. */
  onRing(dStarSq: number): boolean {
    const r = this.rings;
    let lo = 0,
      hi = r.length; // first ring >= dStarSq - halfWidth
    const from = dStarSq - this.halfWidth;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < r.length && Math.abs(r[lo]! - dStarSq) < this.halfWidth;
  }
}
