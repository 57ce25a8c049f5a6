// Ice-ring red flag from a radial profile: sharp peaks at the d-spacings of hexagonal ice Ih
// standing out of the profile's local background. It warns; it never stops processing.
//
// Ring positions: the ice Ih rings of IceRings.ts down to the profile's resolution. Each ring is judged in d*^2 = 1/d^2, where DIALS sets its ring
// width (0.004 A^-2): the ring window is +-half that width (at least 1.5 bins), the background is a
// quadratic fitted (weighted by pixel count) to flanking bins on both sides, other rings' windows
// left out, so a broad solvent ring under an ice position is absorbed by the fit and not flagged.
// A ring is flagged when one of its bins exceeds the fitted background by `minSignificance` times
// that bin's expected noise and by `minRelativeExcess` of the background.
import type { RadialUnit } from './RadialBins.js';
import { iceRingSpacings } from './IceRings.js';

export interface IceRingOptions {
  /** Ring width in d*^2 (A^-2), DIALS's default 0.004. */
  width?: number;
  /** Flank width on each side, in d*^2 (A^-2). */
  flank?: number;
  minSignificance?: number;
  minRelativeExcess?: number;
  /** Needed only for 2theta profiles (angstrom). */
  wavelength?: number;
}

export interface IceRingHit {
  d: number;
  /** The most significant core bin minus the fitted background there, in profile intensity units. */
  excess: number;
  /** excess / fitted background under that bin. */
  relativeExcess: number;
  /** excess over the bin's expected noise (flank scatter per pixel / sqrt(pixels in the bin)). */
  significance: number;
  flagged: boolean;
}

export interface IceRingResult {
  flagged: boolean;
  /** Rings judged (inside the profile, enough flank bins), flagged or not. */
  rings: IceRingHit[];
  /** Largest relative excess among flagged rings (0 when none). */
  strength: number;
}

interface RingWindow {
  d: number;
  core: number[];
  /** d*^2 of each core bin relative to the ring. */
  coreX: number[];
  flanks: number[];
  /** d*^2 of each flank bin relative to the ring, for the fit. */
  flankX: number[];
}

/** Precomputed ring windows for one bin layout; `check` is then cheap per frame. */
export class IceRingFlag {
  private readonly windows: RingWindow[];
  private readonly opts: Required<Omit<IceRingOptions, 'wavelength'>>;

  constructor(unit: RadialUnit, centres: Float64Array, options: IceRingOptions = {}) {
    this.opts = {
      width: options.width ?? 0.004,
      flank: options.flank ?? 0.012,
      minSignificance: options.minSignificance ?? 8,
      minRelativeExcess: options.minRelativeExcess ?? 0.03,
    };
    const dss = toDStarSq(unit, centres, options.wavelength);
    this.windows = buildWindows(dss, this.opts.width, this.opts.flank);
  }

  /**
   * Judges one profile: means per bin (NaN for empty bins) and, when known, the pixel count per bin,
   * which weights the background fit and sets each bin's expected noise (bins narrower than a pixel
   * hold very uneven pixel counts, so their noise differs a lot).
   */
  check(mean: Float64Array, count?: Uint32Array): IceRingResult {
    const rings: IceRingHit[] = [];
    let strength = 0;
    for (const w of this.windows) {
      const hit = judgeRing(w, mean, count, this.opts.minSignificance, this.opts.minRelativeExcess);
      if (!hit) continue;
      rings.push(hit);
      if (hit.flagged) strength = Math.max(strength, hit.relativeExcess);
    }
    return { flagged: rings.some((r) => r.flagged), rings, strength };
  }

  get ringSpacings(): number[] {
    return this.windows.map((w) => w.d);
  }
}

function toDStarSq(unit: RadialUnit, centres: Float64Array, wavelength?: number): Float64Array {
  const out = new Float64Array(centres.length);
  for (let i = 0; i < centres.length; i++) {
    const x = centres[i]!;
    if (unit === 'q') out[i] = (x / (2 * Math.PI)) ** 2;
    else if (unit === 'd') out[i] = 1 / (x * x);
    else {
      if (!wavelength) throw new Error('ice rings: a 2theta profile needs the wavelength');
      out[i] = ((2 * Math.sin(((x / 2) * Math.PI) / 180)) / wavelength) ** 2;
    }
  }
  return out;
}

function buildWindows(dss: Float64Array, width: number, flank: number): RingWindow[] {
  const finite = [...dss].filter((v) => Number.isFinite(v) && v > 0);
  if (finite.length < 8) return [];
  const maxDss = Math.max(...finite);
  const minDss = Math.min(...finite);
  const spacing = (maxDss - minDss) / finite.length;
  const half = Math.max(width / 2, 1.5 * spacing);
  const rings = iceRingSpacings(1 / Math.sqrt(maxDss)).map((d) => ({ d, x: 1 / (d * d) }));
  const nearAnyRing = (v: number): boolean => rings.some((r) => Math.abs(v - r.x) <= half);
  const windows: RingWindow[] = [];
  for (const r of rings) {
    if (r.x - half - flank < minDss || r.x + half + flank > maxDss) continue;
    const core: number[] = [];
    const coreX: number[] = [];
    const flanks: number[] = [];
    const flankX: number[] = [];
    for (let i = 0; i < dss.length; i++) {
      const dx = dss[i]! - r.x;
      if (Math.abs(dx) <= half) {
        core.push(i);
        coreX.push(dx);
      } else if (Math.abs(dx) <= half + flank && !nearAnyRing(dss[i]!)) {
        flanks.push(i);
        flankX.push(dx);
      }
    }
    if (core.length > 0 && flanks.length >= 6) windows.push({ d: r.d, core, coreX, flanks, flankX });
  }
  return windows;
}

/**
 * Weighted least-squares quadratic through the flanks (weight = pixel count); returns its value at
 * the ring and the per-pixel scatter sigma, so a bin of n pixels has noise sigma / sqrt(n).
 */
function fitFlanks(
  w: RingWindow,
  mean: Float64Array,
  count?: Uint32Array,
): { at: (dx: number) => number; sigmaPixel: number } | null {
  const scale = Math.max(...w.flankX.map(Math.abs));
  const s = new Float64Array(5);
  const t = new Float64Array(3);
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (let j = 0; j < w.flanks.length; j++) {
    const i = w.flanks[j]!;
    const y = mean[i]!;
    const wt = count ? count[i]! : 1;
    if (!Number.isFinite(y) || wt <= 0) continue;
    const x = w.flankX[j]! / scale;
    xs.push(x);
    ys.push(y);
    ws.push(wt);
    let p = wt;
    for (let e = 0; e < 5; e++) {
      s[e] = s[e]! + p;
      if (e < 3) t[e] = t[e]! + p * y;
      p *= x;
    }
  }
  if (xs.length < 6) return null;
  const c = solve3(
    [
      [s[0]!, s[1]!, s[2]!],
      [s[1]!, s[2]!, s[3]!],
      [s[2]!, s[3]!, s[4]!],
    ],
    [t[0]!, t[1]!, t[2]!],
  );
  if (!c) return null;
  let ss = 0;
  for (let j = 0; j < xs.length; j++) ss += ws[j]! * (ys[j]! - (c[0] + c[1] * xs[j]! + c[2] * xs[j]! ** 2)) ** 2;
  const [c0, c1, c2] = c;
  return {
    at: (dx: number) => c0 + c1 * (dx / scale) + c2 * (dx / scale) ** 2,
    sigmaPixel: Math.sqrt(ss / (xs.length - 3)),
  };
}

function solve3(m: number[][], v: number[]): [number, number, number] | null {
  const det = (a: number[][]): number =>
    a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
    a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
    a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  const d = det(m);
  if (!Number.isFinite(d) || Math.abs(d) < 1e-300) return null;
  const col = (k: number): number[][] => m.map((row, r) => row.map((x, cI) => (cI === k ? v[r]! : x)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

function judgeRing(
  w: RingWindow,
  mean: Float64Array,
  count: Uint32Array | undefined,
  minSig: number,
  minRel: number,
): IceRingHit | null {
  const fit = fitFlanks(w, mean, count);
  if (!fit) return null;
  // A floor on the scatter: a perfectly smooth profile must not make any bump infinitely significant.
  const sigmaPixel = Math.max(fit.sigmaPixel, 1e-6 * Math.abs(fit.at(0)), Number.MIN_VALUE);
  let best: { z: number; excess: number; background: number } | null = null;
  for (let j = 0; j < w.core.length; j++) {
    const i = w.core[j]!;
    const n = count ? count[i]! : 1;
    if (!Number.isFinite(mean[i]) || n <= 0) continue;
    const background = fit.at(w.coreX[j]!);
    const excess = mean[i]! - background;
    const z = (excess * Math.sqrt(n)) / sigmaPixel;
    if (!best || z > best.z) best = { z, excess, background };
  }
  if (!best) return null;
  const relativeExcess = best.background > 0 ? best.excess / best.background : 0;
  return {
    d: w.d,
    excess: best.excess,
    relativeExcess,
    significance: best.z,
    flagged: best.z >= minSig && relativeExcess >= minRel,
  };
}
