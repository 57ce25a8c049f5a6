import type { DetectorModel } from '../src/simulator/DetectorModel.js';
import { DEFAULT_SYNTH_OPTIONS, synthesizeFrame } from '../src/simulator/FrameSynth.js';
// Matching two spot lists by position: the fraction of `a` that has a spot of `b` within `radius` px.
export interface XY {
  x: number;
  y: number;
}

export function matchedFraction(a: readonly XY[], b: readonly XY[], radius: number): number {
  if (a.length === 0) return 1;
  const cell = Math.max(radius, 1);
  const grid = new Map<string, XY[]>();
  for (const p of b) {
    const key = `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`;
    const list = grid.get(key);
    if (list) list.push(p);
    else grid.set(key, [p]);
  }
  let matched = 0;
  for (const p of a) {
    const cx = Math.floor(p.x / cell),
      cy = Math.floor(p.y / cell);
    let found = false;
    for (let dy = -1; dy <= 1 && !found; dy++) {
      for (let dx = -1; dx <= 1 && !found; dx++) {
        for (const q of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (Math.hypot(q.x - p.x, q.y - p.y) <= radius) {
            found = true;
            break;
          }
        }
      }
    }
    if (found) matched++;
  }
  return matched / a.length;
}

/** The simulator's valid-pixel mask (1 = use) for a detector model. */
export function modelValidMask(model: DetectorModel): Uint8Array {
  const pm = model.pixelMask();
  const mask = new Uint8Array(model.pixelCount);
  for (let i = 0; i < mask.length; i++) mask[i] = pm[i] === 0 ? 1 : 0;
  return mask;
}

/**
 * Recall and precision of a spot finder against the simulator's truth over `frames` hit frames
 * (spots matched within 1.5 px), printed under `label`. Spots fainter than 150 counts are not
 * expected to be found.
 */
export function scoreAgainstTruth(
  label: string,
  model: DetectorModel,
  frames: number,
  find: (pixels: Uint16Array | Uint32Array) => XY[],
): { recall: number; precision: number; truth: number; found: number } {
  let truthN = 0,
    foundN = 0,
    recalled = 0,
    precise = 0;
  for (let f = 0; f < frames; f++) {
    const { pixels, truth } = synthesizeFrame(
      model,
      { ...DEFAULT_SYNTH_OPTIONS, hitFraction: 1, spotsPerHit: [150, 250] },
      f,
      1234,
    );
    const spots = find(pixels);
    const visible = truth.spots.filter((s) => s.intensity >= 150);
    truthN += visible.length;
    foundN += spots.length;
    recalled += matchedFraction(visible, spots, 1.5) * visible.length;
    precise += matchedFraction(spots, truth.spots, 1.5) * spots.length;
  }
  const recall = recalled / truthN;
  const precision = precise / foundN;
  console.log(
    `${label} synthetic: recall ${recall.toFixed(3)} precision ${precision.toFixed(3)} (${truthN} truth, ${foundN} found)`,
  );
  return { recall, precision, truth: truthN, found: foundN };
}
