// The user's mask from the configuration: rectangles and circles in pixels, and resolution
// limits in angstrom. A shape covers a pixel when the pixel's centre (i + 0.5, j + 0.5) lies
// inside it (edges included), the same centre convention as the geometry.
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { nativeAddon } from '../../native/addon.js';
import { geometryVector, type PoniRotations } from './radialNative.js';

export interface MaskRectangle {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface MaskCircle {
  x: number;
  y: number;
  r: number;
}

export interface UserMaskConfig {
  rectangles?: MaskRectangle[];
  circles?: MaskCircle[];
  /** Exclude pixels with d below this (high-resolution limit), angstrom. */
  d_min?: number;
  /** Exclude pixels with d above this (low-resolution limit, e.g. the backstop shadow), angstrom. */
  d_max?: number;
}

/** Checks a user mask from configuration; throws an error naming the offending entry. */
export function validateUserMask(mask: UserMaskConfig): void {
  const finite = (v: unknown, what: string): void => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`user mask: ${what} must be a finite number, got ${String(v)}`);
  };
  (mask.rectangles ?? []).forEach((r, i) => {
    for (const k of ['x0', 'y0', 'x1', 'y1'] as const) finite(r[k], `rectangles[${i}].${k}`);
  });
  (mask.circles ?? []).forEach((c, i) => {
    for (const k of ['x', 'y', 'r'] as const) finite(c[k], `circles[${i}].${k}`);
    if (c.r < 0) throw new Error(`user mask: circles[${i}].r must be >= 0, got ${c.r}`);
  });
  if (mask.d_min !== undefined) finite(mask.d_min, 'd_min');
  if (mask.d_max !== undefined) finite(mask.d_max, 'd_max');
  if (mask.d_min !== undefined && mask.d_min <= 0) throw new Error(`user mask: d_min must be > 0 A, got ${mask.d_min}`);
  if (mask.d_max !== undefined && mask.d_max <= 0) throw new Error(`user mask: d_max must be > 0 A, got ${mask.d_max}`);
  if (mask.d_min !== undefined && mask.d_max !== undefined && mask.d_min >= mask.d_max) {
    throw new Error(`user mask: d_min (${mask.d_min} A) must be below d_max (${mask.d_max} A)`);
  }
}

/** A stable text identity of a user mask, for caches. */
export function userMaskKey(mask: UserMaskConfig | undefined): string {
  if (!mask) return '-';
  return JSON.stringify([mask.rectangles ?? [], mask.circles ?? [], mask.d_min ?? null, mask.d_max ?? null]);
}

/** Pixel index range [lo, hi] whose centres k + 0.5 lie in [a, b], clipped to [0, n - 1]. */
function centreRange(a: number, b: number, n: number): [number, number] {
  const lo = Math.max(0, Math.ceil(Math.min(a, b) - 0.5));
  const hi = Math.min(n - 1, Math.floor(Math.max(a, b) - 0.5));
  return [lo, hi];
}

/** Clears the pixels the user mask covers in `valid` (width*height, 1 = use). Returns the count cleared. */
export function applyUserMask(
  valid: Uint8Array,
  geometry: DetectorGeometry,
  mask: UserMaskConfig,
  rotations?: PoniRotations,
): number {
  validateUserMask(mask);
  const { width, height } = geometry;
  let cleared = 0;
  for (const r of mask.rectangles ?? []) {
    const [x0, x1] = centreRange(r.x0, r.x1, width);
    const [y0, y1] = centreRange(r.y0, r.y1, height);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * width + x;
        if (valid[i]) cleared++;
        valid[i] = 0;
      }
    }
  }
  for (const c of mask.circles ?? []) {
    const [y0, y1] = centreRange(c.y - c.r, c.y + c.r, height);
    const r2 = c.r * c.r;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - c.y;
      const half = Math.sqrt(Math.max(0, r2 - dy * dy));
      const [x0, x1] = centreRange(c.x - half, c.x + half, width);
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - c.x;
        if (dx * dx + dy * dy > r2) continue; // guards the rounding of `half`
        const i = y * width + x;
        if (valid[i]) cleared++;
        valid[i] = 0;
      }
    }
  }
  if (mask.d_min !== undefined || mask.d_max !== undefined) {
    cleared += nativeAddon().maskApplyResolution(
      geometryVector(geometry, rotations),
      mask.d_min ?? 0,
      mask.d_max ?? 0,
      valid,
    );
  }
  return cleared;
}
