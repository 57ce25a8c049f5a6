// DIALS-compatible spot finding (dispersion threshold, then connected components) on one
// frame, in native code. Two thresholds, both exactly as DIALS computes them:
//   'dispersion_extended' (default; what `dials.find_spots` uses by default since DIALS 3):
//     dispersion flags, eroded to their core, then a local-mean test over a window grown by 2 px;
//   'dispersion': the classic index-of-dispersion + local-mean test in one window.
// Defaults are DIALS's for pixel-array detectors:
//   7x7 window (kernel half-size 3), sigma_background 6, sigma_strong 3, min_local 2,
//   global_threshold 0, gain 1, min_spot_size 3 (dxtbx SENSOR_PAD), max_spot_size 1000,
//   max_separation 2 px (peak to centroid), 4-connected components (DIALS links a pixel to its
//   left/right/up/down neighbours only), and DIALS's max_strong_pixel_fraction 0.25.
// Spots carry DIALS's xyzobs.px.value centroid (raw-value weighted, pixel centres at i + 0.5)
// and intensity.sum.value (sum of raw counts).
import { SpotTable } from './Spot.js';
import { RESULT_LIMITS } from '../../sinks/records.js';
import { DispersionInfo, DispersionParam, type NativeHandle, type SpotPixels, spotAddon } from './spotNative.js';

export type DispersionAlgorithm = 'dispersion' | 'dispersion_extended';

export interface DispersionOptions {
  algorithm?: DispersionAlgorithm;
  /** Window half-size (fast, slow) in pixels; 3 = 7x7. */
  kernelSize?: number | readonly [number, number];
  sigmaBackground?: number;
  sigmaStrong?: number;
  /** Minimum number of usable pixels in the window; 0 = the whole window. */
  minLocal?: number;
  globalThreshold?: number;
  /** Detector gain; 1 reproduces DIALS's default (gain = None) formula exactly. */
  gain?: number;
  /** dxtbx-style trusted range, both ends exclusive: a pixel is valid when lo < v < hi. Values
   * >= hi are counted as saturated. Default (-1, Infinity): negative CBF gap/dead values are
   * invalid; the unsigned all-ones value (EIGER gaps) is always invalid. */
  trustedRange?: readonly [number, number];
  minSpotSize?: number;
  maxSpotSize?: number;
  /** Peak-to-centroid distance limit in px (DIALS max_separation); null disables it. */
  maxSeparation?: number | null;
  connectivity?: 4 | 8;
  maxStrongFraction?: number;
  /** Spots stored per frame (more are counted, not stored). */
  capacity?: number;
}

export interface DispersionFrameResult {
  /** Reused from frame to frame: copy what you keep. */
  spots: SpotTable;
  /** Spots passing the filters (may exceed spots.capacity). */
  nSpots: number;
  strongPixels: number;
  validPixels: number;
  saturatedPixels: number;
  /** Mean of the valid, non-strong pixels (DIALS's "average background"); NaN with none. */
  backgroundMean: number;
  /** More strong pixels than maxStrongFraction allows: DIALS refuses such a frame; no spots. */
  tooManyStrong: boolean;
}

export const DISPERSION_DEFAULTS = {
  algorithm: 'dispersion_extended' as DispersionAlgorithm,
  kernelSize: 3,
  sigmaBackground: 6,
  sigmaStrong: 3,
  minLocal: 2,
  globalThreshold: 0,
  gain: 1,
  trustedRange: [-1, Infinity] as const,
  minSpotSize: 3,
  maxSpotSize: 1000,
  maxSeparation: 2,
  connectivity: 4 as const,
  maxStrongFraction: 0.25,
  capacity: RESULT_LIMITS.spots,
};

export class DispersionSpotFinder {
  readonly width: number;
  readonly height: number;
  private readonly handle: NativeHandle;
  private readonly info = new Float64Array(DispersionInfo.count);
  private readonly result: DispersionFrameResult;

  /** @param mask static valid-pixel mask, 1 = use (copied). */
  constructor(width: number, height: number, mask: Uint8Array, options: DispersionOptions = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new Error(`dispersion: frame size must be positive integers, got ${width}x${height}`);
    }
    if (mask.length !== width * height)
      throw new Error(`dispersion: mask has ${mask.length} pixels, frame has ${width * height}`);
    const o = { ...DISPERSION_DEFAULTS, ...options };
    const [kx, ky] = typeof o.kernelSize === 'number' ? [o.kernelSize, o.kernelSize] : o.kernelSize;
    const p = new Float64Array(DispersionParam.count);
    p[DispersionParam.kx] = kx;
    p[DispersionParam.ky] = ky;
    p[DispersionParam.sigmaBackground] = o.sigmaBackground;
    p[DispersionParam.sigmaStrong] = o.sigmaStrong;
    p[DispersionParam.minLocal] = o.minLocal;
    p[DispersionParam.globalThreshold] = o.globalThreshold;
    p[DispersionParam.gain] = o.gain;
    p[DispersionParam.trustedLo] = o.trustedRange[0];
    p[DispersionParam.trustedHi] = Math.min(o.trustedRange[1], 1e300);
    p[DispersionParam.minSpotSize] = o.minSpotSize;
    p[DispersionParam.maxSpotSize] = o.maxSpotSize;
    p[DispersionParam.maxSeparation] = o.maxSeparation ?? -1;
    p[DispersionParam.conn8] = o.connectivity === 8 ? 1 : 0;
    p[DispersionParam.maxStrongFraction] = o.maxStrongFraction;
    if (o.algorithm !== 'dispersion' && o.algorithm !== 'dispersion_extended') {
      throw new Error(
        `dispersion: algorithm must be 'dispersion' or 'dispersion_extended', got ${String(o.algorithm)}`,
      );
    }
    p[DispersionParam.extended] = o.algorithm === 'dispersion_extended' ? 1 : 0;
    if (o.connectivity !== 4 && o.connectivity !== 8)
      throw new Error(`dispersion: connectivity must be 4 or 8, got ${String(o.connectivity)}`);
    this.width = width;
    this.height = height;
    this.handle = spotAddon().dispersionCreate(width, height, mask, p);
    this.result = {
      spots: new SpotTable(o.capacity),
      nSpots: 0,
      strongPixels: 0,
      validPixels: 0,
      saturatedPixels: 0,
      backgroundMean: NaN,
      tooManyStrong: false,
    };
  }

  /** Finds the spots of one frame. The returned object and its table are reused by the next call. */
  find(pixels: SpotPixels): DispersionFrameResult {
    const r = this.result;
    const written = spotAddon().dispersionFind(this.handle, pixels, r.spots.table, this.info);
    const info = this.info;
    r.spots.count = written;
    r.nSpots = info[DispersionInfo.spots]!;
    r.spots.overflow = r.nSpots - written;
    r.strongPixels = info[DispersionInfo.strongPixels]!;
    r.validPixels = info[DispersionInfo.validPixels]!;
    r.saturatedPixels = info[DispersionInfo.saturatedPixels]!;
    r.backgroundMean = info[DispersionInfo.backgroundMean]!;
    r.tooManyStrong = info[DispersionInfo.tooManyStrong] === 1;
    return r;
  }

  /** The strong-pixel map of one frame (1 = strong), for inspection and tests. */
  strongMask(pixels: SpotPixels, out: Uint8Array = new Uint8Array(this.width * this.height)): Uint8Array {
    spotAddon().dispersionStrongMask(this.handle, pixels, out);
    return out;
  }
}
