// Typed access to the spot-finding kernels of the native addon (native/src/dispersion.c,
// native/src/peakfinder8.c). Parameter and info vectors are packed here in the order the C
// code expects; everything else goes through DispersionSpotFinder / Peakfinder8.
import { nativeAddon, type NativeAddon, type NativeHandle, type SpotPixels } from '../../native/addon.js';

export type { NativeHandle, SpotPixels };

export function spotAddon(): NativeAddon {
  return nativeAddon();
}

/** Layout of the dispersion parameter vector (native/src/dispersion.c, enum P_*). */
export const DispersionParam = {
  kx: 0,
  ky: 1,
  sigmaBackground: 2,
  sigmaStrong: 3,
  minLocal: 4,
  globalThreshold: 5,
  gain: 6,
  trustedLo: 7,
  trustedHi: 8,
  minSpotSize: 9,
  maxSpotSize: 10,
  maxSeparation: 11,
  conn8: 12,
  maxStrongFraction: 13,
  extended: 14,
  count: 15,
} as const;

/** Layout of the dispersion per-frame info vector (enum I_*). */
export const DispersionInfo = {
  spots: 0,
  components: 1,
  strongPixels: 2,
  validPixels: 3,
  validSum: 4,
  saturatedPixels: 5,
  tooManyStrong: 6,
  backgroundMean: 7,
  count: 8,
} as const;

/** Layout of the peakfinder8 create-time parameter vector (native/src/peakfinder8.h, enum PC_*). */
export const Pf8CreateParam = { minRes: 0, maxRes: 1, samplesPerBin: 2, count: 3 } as const;

/** Layout of the peakfinder8 per-frame parameter vector (enum PF_*). */
export const Pf8Param = {
  adcThreshold: 0,
  minSnr: 1,
  minPixCount: 2,
  maxPixCount: 3,
  localBgRadius: 4,
  fast: 5,
  trustedLo: 6,
  trustedHi: 7,
  maxNumPeaks: 8,
  iterations: 9,
  count: 10,
} as const;

/** Layout of the peakfinder8 per-frame info vector (enum PI_*). */
export const Pf8Info = {
  peaks: 0,
  sizedPeaks: 1,
  validPixels: 2,
  validSum: 3,
  saturatedPixels: 4,
  truncated: 5,
  count: 6,
} as const;
