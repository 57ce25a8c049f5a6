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
    return reusingFrame(kind, f, 'nSpots', 'backgroundMean');
  }
  if (kind === 'peakfinder8') {
    const f = new Peakfinder8(geometry, mask, options.peakfinder8);
    return reusingFrame(kind, f, 'nPeaks', 'meanValid');
  }
  throw new Error(`spot finder: unknown kind ${String(kind)} (expected 'dispersion' or 'peakfinder8')`);
}

/** A SpotFinder over a finder with its own result type: the spot count and background mean are
 * read from the named fields into one object, made on the first frame and reused after (no
 * allocation per frame). */
function reusingFrame<
  N extends string,
  B extends string,
  R extends { spots: SpotTable; saturatedPixels: number } & Record<N | B, number>,
>(kind: SpotFinderKind, finder: { find(pixels: SpotPixels): R }, nSpots: N, backgroundMean: B): SpotFinder {
  let out: SpotFinderFrame | undefined;
  return {
    kind,
    find(pixels) {
      const r = finder.find(pixels);
      out ??= { spots: r.spots, nSpots: 0, saturatedPixels: 0, backgroundMean: NaN };
      out.nSpots = r[nSpots];
      out.saturatedPixels = r.saturatedPixels;
      out.backgroundMean = r[backgroundMean];
      return out;
    },
  };
}
