// Deterministic, physically plausible synthetic EIGER2 frames: Poisson background with a
// solvent ring (and optional ice rings), Gaussian Bragg spots on hits (optionally split),
// counts capped at saturation, masked pixels (gaps, dead, noisy) at the dtype's all-ones
// value as a detector with pixel_mask_applied writes them. The same (model, options, frame
// index, seed) always gives the same pixels, independently of which other frames were made.
import { backgroundModel, PoissonTables, type BackgroundModel } from './BackgroundModel.js';
import type { DetectorModel } from './DetectorModel.js';
import { deriveSeed, Prng } from './Prng.js';

export type SynthDtype = 'uint16' | 'uint32';

export interface SynthOptions {
  dtype: SynthDtype;
  /** Probability that a frame is a hit (has Bragg spots), 0..1. */
  hitFraction: number;
  iceRings: boolean;
  /** Each spot gets a partner 5-7 px away, as from a split crystal. */
  splitSpots: boolean;
  /** Number of spots on a hit, drawn uniformly in [min, max] (before splitting). */
  spotsPerHit?: readonly [number, number];
  /** A grid scan's frames: frame i has exactly spotCounts[i] spots (before splitting; 0 or
   * past the end: a miss), in place of hitFraction and spotsPerHit. */
  spotCounts?: readonly number[];
}

export const DEFAULT_SYNTH_OPTIONS: SynthOptions = {
  dtype: 'uint16',
  hitFraction: 0.5,
  iceRings: false,
  splitSpots: false,
};

export interface TruthSpot {
  /** Centre in DIALS pixel coordinates: pixel (i, j) spans [i, i+1) x [j, j+1). */
  x: number;
  y: number;
  /** Expected integrated counts of the spot (before Poisson noise and saturation). */
  intensity: number;
  /** Gaussian standard deviation in pixels. */
  sigma: number;
}

export interface FrameTruth {
  hit: boolean;
  spots: TruthSpot[];
}

export interface SynthFrame {
  pixels: Uint16Array | Uint32Array;
  truth: FrameTruth;
}

const DEFAULT_SPOTS_PER_HIT: readonly [number, number] = [30, 200];
const MIN_INTENSITY = 40;
const MAX_INTENSITY = 300_000;
const MIN_SIGMA = 0.6;
const MAX_SIGMA = 1.4;
/** A split crystal's partner spot sits this far away (px): far enough for a spot finder to
 * resolve the two (two spots of sigma ~1 px closer than ~4 px merge into one connected region,
 * and a real split that close is indistinguishable from one elongated spot). */
const SPLIT_MIN = 5;
const SPLIT_MAX = 7;
/** Keep spots this far (pixels) from the beam centre, inside the beamstop shadow region. */
const MIN_RADIUS = 60;

/**
 * Hits are spread evenly rather than drawn independently: any N consecutive frames hold N x f
 * hits, give or take one, so a short series or a small pool of pre-encoded frames has the hit
 * rate asked for (independent draws leave a 16-frame pool at 10 % without any hit 19 % of the
 * time). The seed shifts the pattern.
 */
export function isHitFrame(hitFraction: number, frameIndex: number, seed: number): boolean {
  if (hitFraction <= 0) return false;
  if (hitFraction >= 1) return true;
  const phase = new Prng(deriveSeed(seed, 0, 7)).next();
  return Math.floor((frameIndex + 1) * hitFraction + phase) > Math.floor(frameIndex * hitFraction + phase);
}

/** The truth (hit, spot list) of a frame, without making its pixels. Cheap. */
export function frameTruth(model: DetectorModel, options: SynthOptions, frameIndex: number, seed: number): FrameTruth {
  const rng = new Prng(deriveSeed(seed, frameIndex, 1));
  rng.next(); // the draw that once decided the hit: kept so spot positions stay as they were
  const { hit, count } = spotsOf(options, frameIndex, seed, rng);
  if (!hit) return { hit, spots: [] };
  const mask = model.pixelMask();
  const spots: TruthSpot[] = [];
  for (let n = 0; n < count; n++) {
    const sigma = rng.uniform(MIN_SIGMA, MAX_SIGMA);
    const intensity = MIN_INTENSITY * Math.pow(MAX_INTENSITY / MIN_INTENSITY, rng.next());
    const margin = Math.ceil(4 * sigma) + (options.splitSpots ? SPLIT_MAX + 1 : 1);
    const place = placeSpot(model, mask, rng, margin);
    if (!place) continue;
    spots.push({ x: place.x, y: place.y, intensity, sigma });
    if (options.splitSpots) {
      const angle = rng.uniform(0, 2 * Math.PI);
      const offset = rng.uniform(SPLIT_MIN, SPLIT_MAX);
      spots.push({
        x: place.x + offset * Math.cos(angle),
        y: place.y + offset * Math.sin(angle),
        intensity: intensity * rng.uniform(0.5, 1),
        sigma,
      });
    }
  }
  return { hit, spots };
}

/** Whether the frame is a hit and how many spots it has (the count draws from `rng`). */
function spotsOf(options: SynthOptions, frameIndex: number, seed: number, rng: Prng): { hit: boolean; count: number } {
  if (options.spotCounts) {
    const count = options.spotCounts[frameIndex] ?? 0;
    return { hit: count > 0, count };
  }
  if (!isHitFrame(options.hitFraction, frameIndex, seed)) return { hit: false, count: 0 };
  const [lo, hi] = options.spotsPerHit ?? DEFAULT_SPOTS_PER_HIT;
  return { hit: true, count: rng.int(lo, hi) };
}

function placeSpot(
  model: DetectorModel,
  mask: Uint32Array,
  rng: Prng,
  margin: number,
): { x: number; y: number } | null {
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = rng.uniform(0, model.width);
    const y = rng.uniform(0, model.height);
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    if (model.distanceToModuleEdge(ix, iy) < margin) continue;
    if (mask[iy * model.width + ix] !== 0) continue;
    if (Math.hypot(x - model.beamCenterX, y - model.beamCenterY) < MIN_RADIUS) continue;
    return { x, y };
  }
  return null;
}

/** Synthesises a frame into a new pixel array. */
export function synthesizeFrame(
  model: DetectorModel,
  options: SynthOptions,
  frameIndex: number,
  seed: number,
): SynthFrame {
  const pixels = options.dtype === 'uint16' ? new Uint16Array(model.pixelCount) : new Uint32Array(model.pixelCount);
  const truth = synthesizeFrameInto(model, options, frameIndex, seed, pixels);
  return { pixels, truth };
}

/** Synthesises a frame into a caller-provided array of width*height pixels; returns its truth. */
export function synthesizeFrameInto(
  model: DetectorModel,
  options: SynthOptions,
  frameIndex: number,
  seed: number,
  pixels: Uint16Array | Uint32Array,
): FrameTruth {
  if (pixels.length !== model.pixelCount) {
    throw new Error(
      `synthesizeFrameInto: pixel buffer has ${pixels.length} elements, ${model.name} needs ${model.pixelCount}`,
    );
  }
  const expected = options.dtype === 'uint16' ? Uint16Array : Uint32Array;
  if (!(pixels instanceof expected))
    throw new Error(`synthesizeFrameInto: buffer type does not match dtype ${options.dtype}`);
  const truth = frameTruth(model, options, frameIndex, seed);
  const noise = new Prng(deriveSeed(seed, frameIndex, 2));
  drawBackground(backgroundModel(model, options), noise, pixels);
  const saturation = model.saturationValue(options.dtype);
  for (const spot of truth.spots) addSpot(model, spot, noise, pixels, saturation);
  const allOnes = options.dtype === 'uint16' ? 0xffff : 0xffffffff;
  for (const i of model.maskedPixels()) pixels[i] = allOnes;
  return truth;
}

function drawBackground(bg: BackgroundModel, rng: Prng, out: Uint16Array | Uint32Array): void {
  const { levels } = bg;
  const { cdf, offset, guide } = bg.tables;
  const guideSize = PoissonTables.guideSize;
  const n = levels.length;
  for (let i = 0; i < n; i++) {
    const u = rng.nextUint32() / 4294967296;
    const level = levels[i]!;
    const base = offset[level]!;
    let k = guide[level * guideSize + ((u * guideSize) | 0)]!;
    while (u >= cdf[base + k]!) k++;
    out[i] = k;
  }
}

const fx = new Float64Array(64);
const fy = new Float64Array(64);

/** Adds Poisson counts of a pixel-integrated 2-D Gaussian, capping at saturation. */
function addSpot(
  model: DetectorModel,
  spot: TruthSpot,
  rng: Prng,
  out: Uint16Array | Uint32Array,
  saturation: number,
): void {
  const half = Math.ceil(4 * spot.sigma) + 1;
  const x0 = Math.max(0, Math.floor(spot.x) - half);
  const x1 = Math.min(model.width - 1, Math.floor(spot.x) + half);
  const y0 = Math.max(0, Math.floor(spot.y) - half);
  const y1 = Math.min(model.height - 1, Math.floor(spot.y) + half);
  for (let x = x0; x <= x1; x++) fx[x - x0] = gaussianMass(x, x + 1, spot.x, spot.sigma);
  for (let y = y0; y <= y1; y++) fy[y - y0] = gaussianMass(y, y + 1, spot.y, spot.sigma);
  for (let y = y0; y <= y1; y++) {
    const row = y * model.width;
    const wy = fy[y - y0]! * spot.intensity;
    for (let x = x0; x <= x1; x++) {
      const mean = wy * fx[x - x0]!;
      if (mean < 1e-4) continue;
      const v = out[row + x]! + rng.poisson(mean);
      out[row + x] = v > saturation ? saturation : v;
    }
  }
}

function gaussianMass(a: number, b: number, centre: number, sigma: number): number {
  const s = Math.SQRT2 * sigma;
  return 0.5 * (erf((b - centre) / s) - erf((a - centre) / s));
}

/** Error function, Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return sign * y;
}
