// The expected (mean) background counts of every pixel for a detector and geometry: a flat
// floor, a broad solvent ring near 3.6 A and, optionally, sharp hexagonal-ice rings, attenuated
// by the obliquity of the pixel. Stored as quantised mean levels so that frame synthesis can
// draw Poisson counts by table lookup instead of calling exp() per pixel.
import { DetectorGeometry } from '../stages/geometry/DetectorGeometry.js';
import { iceRingSpacings } from '../stages/analysis/IceRings.js';
import type { DetectorModel } from './DetectorModel.js';

/** The five strongest hexagonal ice (Ih) rings (d >= 2.2 angstrom: 3.90 ... 2.25), with rough
 * relative peak heights. */
export const ICE_RING_D_SPACINGS = iceRingSpacings(2.2);
const ICE_RING_PEAKS = [6, 5, 9, 3, 3];
if (ICE_RING_D_SPACINGS.length !== ICE_RING_PEAKS.length) throw new Error('simulator: one peak height per ice ring');
/** Ring width (sigma) in q; a few pixels wide at the default geometries. */
const ICE_RING_SIGMA_Q = 0.006;

const FLOOR_COUNTS = 0.6;
const SOLVENT_D = 3.6;
const SOLVENT_PEAK = 3.0;
const SOLVENT_SIGMA_Q = 0.28;

/** Mean levels are multiples of 1/LEVELS_PER_COUNT counts, capped at MAX_MEAN counts. */
export const LEVELS_PER_COUNT = 32;
export const MAX_MEAN = 120;
const GUIDE_SIZE = 64;

export interface BackgroundOptions {
  iceRings: boolean;
}

/**
 * Poisson inverse-CDF tables for every quantised mean level that occurs, with a guide table
 * per level (index by the top bits of the uniform deviate, then a short linear walk).
 */
export class PoissonTables {
  readonly cdf: Float64Array;
  readonly offset: Uint32Array;
  readonly guide: Uint16Array;

  constructor(levelsUsed: Uint8Array) {
    const levelCount = levelsUsed.length;
    this.offset = new Uint32Array(levelCount);
    this.guide = new Uint16Array(levelCount * GUIDE_SIZE);
    const chunks: Float64Array[] = [];
    let total = 0;
    for (let level = 0; level < levelCount; level++) {
      this.offset[level] = total;
      if (!levelsUsed[level]) continue;
      const table = poissonCdf(level / LEVELS_PER_COUNT);
      chunks.push(table);
      fillGuide(this.guide, level * GUIDE_SIZE, table);
      total += table.length;
    }
    this.cdf = new Float64Array(total);
    let at = 0;
    for (const c of chunks) {
      this.cdf.set(c, at);
      at += c.length;
    }
  }

  static readonly guideSize = GUIDE_SIZE;
}

function poissonCdf(mean: number): Float64Array {
  const values: number[] = [];
  let p = Math.exp(-mean);
  let sum = 0;
  for (let k = 0; ; k++) {
    sum += p;
    values.push(sum);
    if ((k > mean && 1 - sum < 1e-12) || k > mean + 40 * Math.sqrt(mean + 1) + 40) break;
    p *= mean / (k + 1);
  }
  values[values.length - 1] = 1.0000001; // every deviate in [0,1) stops inside the table
  return Float64Array.from(values);
}

function fillGuide(guide: Uint16Array, at: number, cdf: Float64Array): void {
  let k = 0;
  for (let j = 0; j < GUIDE_SIZE; j++) {
    const u = j / GUIDE_SIZE;
    while (u >= cdf[k]!) k++;
    guide[at + j] = k;
  }
}

export class BackgroundModel {
  /** Quantised mean level per pixel (mean = level / LEVELS_PER_COUNT). */
  readonly levels: Uint16Array;
  readonly tables: PoissonTables;
  readonly geometry: DetectorGeometry;

  constructor(model: DetectorModel, options: BackgroundOptions) {
    this.geometry = defaultGeometry(model);
    const levelCount = MAX_MEAN * LEVELS_PER_COUNT + 1;
    const used = new Uint8Array(levelCount);
    this.levels = new Uint16Array(model.pixelCount);
    const { width, height } = model;
    const g = this.geometry;
    const fourPiOverLambda = (4 * Math.PI) / g.wavelength;
    const solventQ = (2 * Math.PI) / SOLVENT_D;
    const iceQ = ICE_RING_D_SPACINGS.map((d) => (2 * Math.PI) / d);
    for (let y = 0; y < height; y++) {
      const dy = (y + 0.5 - g.beamCenterY) * g.pixelSizeY;
      for (let x = 0; x < width; x++) {
        const dx = (x + 0.5 - g.beamCenterX) * g.pixelSizeX;
        const twoTheta = Math.atan2(Math.sqrt(dx * dx + dy * dy), g.distance);
        const q = fourPiOverLambda * Math.sin(twoTheta / 2);
        const obliquity = Math.cos(twoTheta) ** 3;
        const s = (q - solventQ) / SOLVENT_SIGMA_Q;
        let mean = FLOOR_COUNTS + SOLVENT_PEAK * Math.exp(-0.5 * s * s);
        if (options.iceRings) {
          for (let r = 0; r < iceQ.length; r++) {
            const t = (q - iceQ[r]!) / ICE_RING_SIGMA_Q;
            if (t > -6 && t < 6) mean += ICE_RING_PEAKS[r]! * Math.exp(-0.5 * t * t);
          }
        }
        mean *= obliquity;
        const level = Math.min(levelCount - 1, Math.round(mean * LEVELS_PER_COUNT));
        this.levels[y * width + x] = level;
        used[level] = 1;
      }
    }
    this.tables = new PoissonTables(used);
  }

  /** Expected background counts at a pixel (after quantisation). */
  meanAt(index: number): number {
    return this.levels[index]! / LEVELS_PER_COUNT;
  }
}

/** The experiment geometry the simulator advertises in its headers for a detector. */
export function defaultGeometry(model: DetectorModel): DetectorGeometry {
  return new DetectorGeometry({
    width: model.width,
    height: model.height,
    beamCenterX: model.beamCenterX,
    beamCenterY: model.beamCenterY,
    distance: model.distance,
    wavelength: model.wavelength,
    pixelSizeX: model.pixelSizeX,
    pixelSizeY: model.pixelSizeY,
  });
}

const cache = new Map<string, BackgroundModel>();

/** The shared background table for a detector and options (built once per process, ~1 s for 16M). */
export function backgroundModel(model: DetectorModel, options: BackgroundOptions): BackgroundModel {
  const key = `${model.name}:${options.iceRings ? 'ice' : 'noice'}`;
  let bg = cache.get(key);
  if (!bg) {
    bg = new BackgroundModel(model, options);
    cache.set(key, bg);
  }
  return bg;
}
