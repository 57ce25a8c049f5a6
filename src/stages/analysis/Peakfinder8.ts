// peakfinder8 (the OM / CrystFEL peak finder) on one frame, in native code
// (native/src/peakfinder8.c). Radial bins are 1 px wide, from the beam centre with DIALS's pixel
// convention (pixel (i, j) centred at (i + 0.5, j + 0.5)); ASICs are the detector modules (or
// the whole frame) and peaks never cross an ASIC edge. "fast" computes the radial statistics on
// a fixed sample of pixels per radial bin (100 by default) instead of every pixel.
// Spots: centroid weighted by raw counts (+0.5 for DIALS's convention), intensity = sum of
// (v - local background), npix, max raw value, snr = intensity / local background sigma.
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { SpotTable } from './Spot.js';
import { Pf8CreateParam, Pf8Info, Pf8Param, type NativeHandle, type SpotPixels, spotAddon } from './spotNative.js';

export interface Rect {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

export interface Peakfinder8Options {
  adcThreshold?: number;
  minSnr?: number;
  minPixCount?: number;
  maxPixCount?: number;
  localBgRadius?: number;
  /** Radius limits in pixels (inclusive); pixels outside are not used. */
  minRes?: number;
  maxRes?: number;
  maxNumPeaks?: number;
  fast?: boolean;
  samplesPerBin?: number;
  iterations?: number;
  /** Exclusive trusted range (lo < v < hi), as for the dispersion finder. */
  trustedRange?: readonly [number, number];
  /** Detector modules; default: the whole frame as one ASIC. */
  asics?: readonly Rect[];
}

export const PEAKFINDER8_DEFAULTS = {
  adcThreshold: 0,
  minSnr: 5,
  minPixCount: 2,
  maxPixCount: 200,
  localBgRadius: 3,
  minRes: 0,
  maxRes: 65535,
  maxNumPeaks: 2048,
  fast: false,
  samplesPerBin: 100,
  iterations: 5,
  trustedRange: [-1, Infinity] as const,
};

export interface Peakfinder8Result {
  /** Reused from frame to frame. */
  spots: SpotTable;
  nPeaks: number;
  validPixels: number;
  saturatedPixels: number;
  /** Mean of the valid pixels (peaks included). */
  meanValid: number;
  /** More peaks than maxNumPeaks / the table capacity: the rest were not looked for. */
  truncated: boolean;
}

/** Rounded distance (px) of every pixel centre from the beam centre, capped at 65535. */
export function radiusMap(geometry: DetectorGeometry): Uint16Array {
  const { width, height, beamCenterX, beamCenterY } = geometry;
  const out = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    const dy = y + 0.5 - beamCenterY;
    for (let x = 0; x < width; x++) {
      const dx = x + 0.5 - beamCenterX;
      out[y * width + x] = Math.min(65535, Math.round(Math.sqrt(dx * dx + dy * dy)));
    }
  }
  return out;
}

export class Peakfinder8 {
  readonly width: number;
  readonly height: number;
  private readonly handle: NativeHandle;
  private readonly params = new Float64Array(Pf8Param.count);
  private readonly info = new Float64Array(Pf8Info.count);
  private readonly result: Peakfinder8Result;
  private readonly nbins: number;

  constructor(geometry: DetectorGeometry, mask: Uint8Array, options: Peakfinder8Options = {}) {
    const o = { ...PEAKFINDER8_DEFAULTS, ...options };
    this.width = geometry.width;
    this.height = geometry.height;
    if (mask.length !== this.width * this.height)
      throw new Error(`peakfinder8: mask has ${mask.length} pixels, frame has ${this.width * this.height}`);
    const radius = radiusMap(geometry);
    let maxR = 0;
    for (let i = 0; i < radius.length; i++) if (radius[i]! > maxR) maxR = radius[i]!;
    this.nbins = maxR + 1;
    const asics = new Int32Array((o.asics ?? []).flatMap((r) => [r.x0, r.y0, r.width, r.height]));
    const cp = new Float64Array(Pf8CreateParam.count);
    cp[Pf8CreateParam.minRes] = o.minRes;
    cp[Pf8CreateParam.maxRes] = o.maxRes;
    cp[Pf8CreateParam.samplesPerBin] = o.samplesPerBin;
    this.handle = spotAddon().pf8Create(this.width, this.height, radius, mask, asics, cp);
    const p = this.params;
    p[Pf8Param.adcThreshold] = o.adcThreshold;
    p[Pf8Param.minSnr] = o.minSnr;
    p[Pf8Param.minPixCount] = o.minPixCount;
    p[Pf8Param.maxPixCount] = o.maxPixCount;
    p[Pf8Param.localBgRadius] = o.localBgRadius;
    p[Pf8Param.fast] = o.fast ? 1 : 0;
    p[Pf8Param.trustedLo] = o.trustedRange[0];
    p[Pf8Param.trustedHi] = Math.min(o.trustedRange[1], 1e300);
    p[Pf8Param.maxNumPeaks] = o.maxNumPeaks;
    p[Pf8Param.iterations] = o.iterations;
    this.result = {
      spots: new SpotTable(o.maxNumPeaks),
      nPeaks: 0,
      validPixels: 0,
      saturatedPixels: 0,
      meanValid: NaN,
      truncated: false,
    };
  }

  /** Switches between full and fast radial statistics. */
  setFast(fast: boolean): void {
    this.params[Pf8Param.fast] = fast ? 1 : 0;
  }

  find(pixels: SpotPixels): Peakfinder8Result {
    const r = this.result;
    const n = spotAddon().pf8Find(this.handle, pixels, this.params, r.spots.table, this.info);
    r.spots.count = n;
    r.spots.overflow = 0;
    r.nPeaks = n;
    r.validPixels = this.info[Pf8Info.validPixels]!;
    r.saturatedPixels = this.info[Pf8Info.saturatedPixels]!;
    r.meanValid = r.validPixels > 0 ? this.info[Pf8Info.validSum]! / r.validPixels : NaN;
    r.truncated = this.info[Pf8Info.truncated] === 1;
    return r;
  }

  /** Per radial bin (1 px): mean, sigma and peak threshold of the frame, for inspection and tests. */
  radialStatistics(pixels: SpotPixels): { offset: Float32Array; sigma: Float32Array; threshold: Float32Array } {
    const offset = new Float32Array(this.nbins),
      sigma = new Float32Array(this.nbins),
      threshold = new Float32Array(this.nbins);
    spotAddon().pf8RadialStats(this.handle, pixels, this.params, offset, sigma, threshold);
    return { offset, sigma, threshold };
  }
}
