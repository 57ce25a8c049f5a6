// One interface over the two spot finders, so the pipeline can pick one by name:
//   'dispersion' (DIALS-compatible; default algorithm dispersion_extended) or 'peakfinder8'.
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { DispersionSpotFinder, type DispersionOptions } from './DispersionSpotFinder.js';
import { Peakfinder8, type Peakfinder8Options } from './Peakfinder8.js';
import type { SpotTable } from './Spot.js';
import type { SpotPixels } from './spotNative.js';

export type SpotFinderKind = 'dispersion' | 'peakfinder8';

export interface SpotFinderFrame {
  /** Reused between frames. */
  spots: SpotTable;
  nSpots: number;
  saturatedPixels: number;
  /** dispersion: mean of valid non-strong pixels; peakfinder8: mean of valid pixels. */
  backgroundMean: number;
}

export interface SpotFinder {
  readonly kind: SpotFinderKind;
  find(pixels: SpotPixels): SpotFinderFrame;
}

export function createSpotFinder(
  kind: SpotFinderKind,
  geometry: DetectorGeometry,
  mask: Uint8Array,
  options: { dispersion?: DispersionOptions; peakfinder8?: Peakfinder8Options } = {},
): SpotFinder {
  if (kind === 'dispersion') {
    const f = new DispersionSpotFinder(geometry.width, geometry.height, mask, options.dispersion);
    let out: SpotFinderFrame | undefined; // reused: no allocation per frame
    return {
      kind,
      find(pixels) {
        const r = f.find(pixels);
        out ??= { spots: r.spots, nSpots: 0, saturatedPixels: 0, backgroundMean: NaN };
        out.nSpots = r.nSpots;
        out.saturatedPixels = r.saturatedPixels;
        out.backgroundMean = r.backgroundMean;
        return out;
      },
    };
  }
  if (kind === 'peakfinder8') {
    const f = new Peakfinder8(geometry, mask, options.peakfinder8);
    let out: SpotFinderFrame | undefined;
    return {
      kind,
      find(pixels) {
        const r = f.find(pixels);
        out ??= { spots: r.spots, nSpots: 0, saturatedPixels: 0, backgroundMean: NaN };
        out.nSpots = r.nPeaks;
        out.saturatedPixels = r.saturatedPixels;
        out.backgroundMean = r.meanValid;
        return out;
      },
    };
  }
  throw new Error(`spot finder: unknown kind ${String(kind)} (expected 'dispersion' or 'peakfinder8')`);
}
