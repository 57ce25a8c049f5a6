// A small image of a frame for the live-feedback screen: the frame cut into bin x bin squares,
// each square's highest valid count. Max rather than mean keeps a one-pixel Bragg spot visible
// at a fifth of the resolution; a square with no valid pixel (module gaps, dead pixels) is
// PREVIEW_MASKED so the screen can draw it as a gap, not as an empty region.
//
// Made by the worker that has the pixels (only for hits the pipeline asked a picture of, a few a
// second), so the pipeline never handles pixels and the screen gets ~250 kB instead of 18 MB.
import type { FramePreview } from '../../sinks/records.js';

/** The preview's longer side stays at or below this (the screen's panel is about this size). */
export const PREVIEW_MAX_SIDE = 400;
/** A square with no valid pixel. Valid counts are clipped one below it. */
export const PREVIEW_MASKED = 0xffff;

/** Detector pixels per preview pixel for a frame of this size. */
export function previewBin(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / PREVIEW_MAX_SIDE));
}

/**
 * @param valid 1 for each pixel to use (the analysis's static mask), 0 for masked ones.
 * @param limit the largest valid count (above it a pixel is invalid for this frame).
 */
export function makeFramePreview(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  valid: Uint8Array,
  limit: number,
): FramePreview {
  const bin = previewBin(width, height);
  const pw = Math.ceil(width / bin);
  const ph = Math.ceil(height / bin);
  // -1: nothing valid seen in the square yet.
  const best = new Float64Array(pw * ph).fill(-1);
  for (let y = 0; y < height; y++) {
    const rowBase = ((y / bin) | 0) * pw;
    const start = y * width;
    for (let bx = 0, x = 0; bx < pw; bx++) {
      const end = Math.min(x + bin, width);
      let m = best[rowBase + bx]!;
      for (; x < end; x++) {
        const v = pixels[start + x]!;
        if (valid[start + x] !== 0 && v <= limit && v > m) m = v;
      }
      best[rowBase + bx] = m;
    }
  }
  const out = new Uint8Array(pw * ph * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < best.length; i++) {
    const m = best[i]!;
    const v = m < 0 ? PREVIEW_MASKED : Math.min(Math.max(0, Math.round(m)), PREVIEW_MASKED - 1);
    view.setUint16(2 * i, v, true);
  }
  return { bin, width: pw, height: ph, pixels: out };
}
