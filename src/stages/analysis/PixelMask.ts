// The static valid-pixel mask (1 = use), built once per geometry, detector mask and user mask.
//
// Static exclusions: the detector's pixel mask (any of the low 16 bits set: gap, dead, hot...,
// DECTRIS convention) and the user mask (shapes, resolution limits). Per-frame exclusions are not
// here: pixels holding the dtype's all-ones value (gaps, bad pixels on EIGER) or a count above the
// saturation value are skipped inside the per-frame kernels without rewriting the frame; `validLimit`
// gives those kernels the largest valid count.
import type { PixelDtype } from '../../receiver/events.js';
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { nativeAddon } from '../../native/addon.js';
import { rotationsKey, type PoniRotations } from './radialNative.js';
import { applyUserMask, userMaskKey, type UserMaskConfig } from './UserMask.js';
import { LruCache } from '../../util/LruCache.js';

/** What the series start tells about invalid pixels. */
export interface MaskSource {
  width: number;
  height: number;
  dtype: PixelDtype | 'int32' | 'float32';
  saturationValue: number | null;
  /** Detector pixel mask, one uint32 word per pixel, or null when the detector sent none. */
  pixelMask: Uint32Array | null;
}

export interface StaticMask {
  /** Unique per distinct mask; tables derived from the mask are cached by it. */
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly valid: Uint8Array;
  readonly validCount: number;
  readonly excludedByDetector: number;
  readonly excludedByUser: number;
}

const ALL_ONES: Record<MaskSource['dtype'], number> = {
  uint8: 0xff,
  uint16: 0xffff,
  uint32: 0xffffffff,
  int32: -1,
  float32: NaN,
};

/**
 * The largest count that is still valid for this dtype and saturation value. The all-ones value
 * (and, for int32, every negative value: PILATUS marks gaps -1 and dead pixels -2) is never valid.
 */
export function validLimit(dtype: MaskSource['dtype'], saturationValue: number | null): number {
  const sat = saturationValue !== null && Number.isFinite(saturationValue) ? saturationValue : Infinity;
  if (dtype === 'float32') return Math.min(sat, Number.MAX_VALUE);
  const cap = dtype === 'int32' ? 0x7fffffff : ALL_ONES[dtype] - 1;
  return Math.min(sat, cap);
}

/** Builds a static mask; throws naming what does not fit. */
export function buildStaticMask(
  id: number,
  geometry: DetectorGeometry,
  source: MaskSource,
  userMask?: UserMaskConfig,
  rotations?: PoniRotations,
): StaticMask {
  if (source.width !== geometry.width || source.height !== geometry.height) {
    throw new Error(
      `pixel mask: series is ${source.width} x ${source.height} but the geometry is ${geometry.width} x ${geometry.height}`,
    );
  }
  const n = geometry.width * geometry.height;
  const valid = new Uint8Array(n).fill(1);
  let excludedByDetector = 0;
  if (source.pixelMask) {
    if (source.pixelMask.length !== n) {
      throw new Error(`pixel mask: detector mask has ${source.pixelMask.length} entries, expected ${n}`);
    }
    excludedByDetector = nativeAddon().maskApplyDetector(source.pixelMask, valid);
  }
  const excludedByUser = userMask ? applyUserMask(valid, geometry, userMask, rotations) : 0;
  return {
    id,
    width: geometry.width,
    height: geometry.height,
    valid,
    validCount: n - excludedByDetector - excludedByUser,
    excludedByDetector,
    excludedByUser,
  };
}

/**
 * Keeps the static masks of the last few geometries. A mask is rebuilt only when the geometry,
 * the detector mask (by identity) or the user mask changes; `builds` counts the rebuilds.
 */
export class PixelMaskCache extends LruCache<string, StaticMask> {
  private readonly detectorMaskIds = new WeakMap<Uint32Array, number>();
  private nextId = 1;

  constructor(capacity = 2) {
    super(capacity);
  }

  get(
    geometry: DetectorGeometry,
    source: MaskSource,
    userMask?: UserMaskConfig,
    rotations?: PoniRotations,
  ): StaticMask {
    const key = [
      geometry.key(),
      rotationsKey(rotations),
      this.detectorMaskId(source.pixelMask),
      userMaskKey(userMask),
    ].join('|');
    return this.getOrMake(key, () => buildStaticMask(this.nextId++, geometry, source, userMask, rotations));
  }

  private detectorMaskId(mask: Uint32Array | null): number {
    if (!mask) return 0;
    let id = this.detectorMaskIds.get(mask);
    if (id === undefined) {
      id = this.nextId++;
      this.detectorMaskIds.set(mask, id);
    }
    return id;
  }
}
