// Masking rules: each static exclusion reason (detector mask bits, user rectangles and circles,
// resolution limits), each per-frame reason (all-ones per dtype, above saturation, negative int32,
// NaN), and that masks are built once per geometry and mask.
import { describe, expect, it } from 'vitest';
import { buildStaticMask, PixelMaskCache, validLimit, type MaskSource } from '../src/stages/analysis/PixelMask.js';
import { buildRadialTables } from '../src/stages/analysis/RadialBins.js';
import { RadialProfile } from '../src/stages/analysis/RadialProfile.js';
import { applyUserMask, validateUserMask } from '../src/stages/analysis/UserMask.js';
import { geometryVector, type RadialPixels } from '../src/stages/analysis/radialNative.js';
import { nativeAddon } from '../src/native/addon.js';
import { DetectorGeometry, eigerGeometry } from '../src/stages/geometry/DetectorGeometry.js';

const W = 64;
const H = 48;
const geometry = eigerGeometry(W, H, { beamCenterX: 20.5, beamCenterY: 30.25, distance: 0.05 });
const source = (over: Partial<MaskSource> = {}): MaskSource => ({
  width: W,
  height: H,
  dtype: 'uint16',
  saturationValue: 1000,
  pixelMask: null,
  ...over,
});

describe('static mask', () => {
  it('excludes a pixel when any of the low 16 detector-mask bits is set, not for high bits only', () => {
    const det = new Uint32Array(W * H);
    det[5] = 1; // gap
    det[6] = 1 << 15;
    det[7] = 1 << 16; // informational only
    det[8] = 0x80000000;
    det[9] = 0x10004;
    const m = buildStaticMask(1, geometry, source({ pixelMask: det }));
    expect([m.valid[5], m.valid[6], m.valid[7], m.valid[8], m.valid[9], m.valid[10]]).toEqual([0, 0, 1, 1, 0, 1]);
    expect(m.excludedByDetector).toBe(3);
    expect(m.validCount).toBe(W * H - 3);
  });

  it('rectangles cover pixels whose centre is inside, edges included, in either corner order', () => {
    const valid = new Uint8Array(W * H).fill(1);
    const n = applyUserMask(valid, geometry, { rectangles: [{ x0: 12.5, y0: 3, x1: 10, y1: 5.5 }] });
    // centres x+0.5 in [10, 12.5] -> x = 10, 11, 12 ; y+0.5 in [3, 5.5] -> y = 3, 4, 5
    expect(n).toBe(9);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = x >= 10 && x <= 12 && y >= 3 && y <= 5;
        expect(valid[y * W + x], `(${x}, ${y})`).toBe(inside ? 0 : 1);
      }
    }
  });

  it('circles cover pixels whose centre is within r, and clip at the detector edge', () => {
    const valid = new Uint8Array(W * H).fill(1);
    const c = { x: 2.2, y: 40.7, r: 6.3 };
    const n = applyUserMask(valid, geometry, { circles: [c] });
    let expected = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const inside = (x + 0.5 - c.x) ** 2 + (y + 0.5 - c.y) ** 2 <= c.r * c.r;
        if (inside) expected++;
        expect(valid[y * W + x], `(${x}, ${y})`).toBe(inside ? 0 : 1);
      }
    }
    expect(n).toBe(expected);
    expect(expected).toBeGreaterThan(50);
  });

  it('resolution limits keep exactly the pixels with d_min <= d <= d_max', () => {
    const dMin = 25;
    const dMax = 60;
    const m = buildStaticMask(2, geometry, source(), { d_min: dMin, d_max: dMax });
    let kept = 0;
    let checked = 0;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const d = geometry.dAt(x + 0.5, y + 0.5);
        if (Math.abs(d - dMin) < 1e-6 || Math.abs(d - dMax) < 1e-6) continue; // float32 pixel coordinates
        checked++;
        const inside = d >= dMin && d <= dMax;
        if (inside) kept++;
        expect(m.valid[y * W + x], `(${x}, ${y}) d=${d}`).toBe(inside ? 1 : 0);
      }
    }
    expect(checked).toBe(W * H);
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThan(W * H - 100);
    expect(m.excludedByUser).toBe(W * H - kept);
  });

  it('rejects bad user masks and mismatched sizes with a message naming the problem', () => {
    expect(() => validateUserMask({ circles: [{ x: 1, y: 1, r: -2 }] })).toThrow(/circles\[0\]\.r/);
    expect(() => validateUserMask({ rectangles: [{ x0: 0, y0: Number.NaN, x1: 1, y1: 1 }] })).toThrow(
      /rectangles\[0\]\.y0/,
    );
    expect(() => validateUserMask({ d_min: 3, d_max: 2 })).toThrow(/d_min/);
    expect(() => validateUserMask({ d_max: 0 })).toThrow(/d_max/);
    expect(() => buildStaticMask(3, geometry, source({ width: W + 1 }))).toThrow(/65 x 48/);
    expect(() => buildStaticMask(3, geometry, source({ pixelMask: new Uint32Array(10) }))).toThrow(/10 entries/);
  });

  it('the native mask functions refuse arrays of the wrong type with ERR_INVALID_ARG naming the argument', () => {
    const A = nativeAddon();
    const n = W * H;
    const g = geometryVector(geometry);
    const refused = (fn: () => unknown, message: RegExp) => {
      expect(fn).toThrow(message);
      try {
        fn();
      } catch (e) {
        expect((e as { code?: string }).code).toBe('ERR_INVALID_ARG');
      }
    };
    const det = new Uint32Array(n);
    det[3] = 1;
    expect(A.maskApplyDetector(det, Buffer.alloc(n, 1))).toBe(1); // a Buffer is a Uint8Array
    refused(
      () => A.maskApplyDetector(new Uint8Array(det.buffer) as unknown as Uint32Array, new Uint8Array(n * 4)),
      /detectorMask must be a Uint32Array, got a Uint8Array/,
    );
    refused(
      () => A.maskApplyDetector(Array.from(det) as unknown as Uint32Array, new Uint8Array(n)),
      /detectorMask must be a Uint32Array/,
    );
    refused(
      () => A.maskApplyDetector(det, new Int8Array(n) as unknown as Uint8Array),
      /valid must be a Uint8Array, got an Int8Array/,
    );
    refused(() => A.maskApplyDetector(det, new Uint8Array(n - 1)), /one word per byte/);
    expect(A.maskApplyResolution(g, 25, 0, Buffer.alloc(n, 1))).toBeGreaterThan(0);
    refused(
      () => A.maskApplyResolution(Float32Array.from(g) as unknown as Float64Array, 25, 0, new Uint8Array(n)),
      /geometry must be a Float64Array, got a Float32Array/,
    );
    refused(
      () => A.maskApplyResolution(g, 25, 0, new Uint16Array(n) as unknown as Uint8Array),
      /valid must be a Uint8Array, got a Uint16Array/,
    );
    refused(() => A.maskApplyResolution(g, 25, 0, new Uint8Array(n + 1)), /valid mask has/);
  });
});

describe('per-frame exclusions inside the kernel', () => {
  // One bin over the whole detector: the profile is the mean of the valid pixels.
  function meanOf(pixels: RadialPixels, dtype: MaskSource['dtype'], saturation: number | null) {
    const mask = buildStaticMask(9, geometry, source({ dtype, saturationValue: saturation }));
    const tables = buildRadialTables(geometry, mask, { unit: '2theta', count: 1, min: 0, max: 60 });
    const p = new RadialProfile(tables, validLimit(dtype, saturation));
    const r = p.integrate(pixels, p.createResult());
    return { mean: r.mean[0]!, count: r.count[0]!, excluded: r.excluded };
  }
  /** A frame of 10s but for `special` values (pixel index: value). */
  const fillWith = <T extends RadialPixels>(a: T, special: Record<number, number>): T => {
    a.fill(10 as never);
    for (const [i, v] of Object.entries(special)) a[Number(i)] = v;
    return a;
  };
  /** The kernel skips every special value but those in `kept`; the mean is of the rest. */
  function expectKept(
    frame: RadialPixels,
    dtype: MaskSource['dtype'],
    saturation: number | null,
    special: Record<number, number>,
    kept: number[],
    digits: number,
  ): void {
    const r = meanOf(fillWith(frame, special), dtype, saturation);
    const plain = W * H - Object.keys(special).length;
    expect(r.count).toBe(plain + kept.length);
    expect(r.excluded).toBe(W * H - plain - kept.length);
    expect(r.mean).toBeCloseTo((10 * plain + kept.reduce((a, v) => a + v, 0)) / (plain + kept.length), digits);
  }

  it('uint16: skips 0xFFFF and values above saturation; keeps the saturation value itself', () => {
    expectKept(new Uint16Array(W * H), 'uint16', 1000, { 0: 0xffff, 1: 1001, 2: 1000, 3: 40000 }, [1000], 12);
  });

  it('uint16 without a saturation value: only the all-ones value is skipped', () => {
    expectKept(new Uint16Array(W * H), 'uint16', null, { 0: 0xffff, 1: 0xfffe }, [0xfffe], 10);
  });

  it('uint8: skips 0xFF', () => {
    expectKept(new Uint8Array(W * H), 'uint8', null, { 7: 0xff, 8: 200 }, [200], 12);
  });

  it('uint32: skips 0xFFFFFFFF and > saturation; sums large values exactly', () => {
    expectKept(
      new Uint32Array(W * H),
      'uint32',
      2_000_000,
      { 0: 0xffffffff, 1: 2_000_001, 2: 2_000_000 },
      [2_000_000],
      9,
    );
  });

  it('int32 (PILATUS): skips -1 gaps and -2 dead pixels', () => {
    expectKept(new Int32Array(W * H), 'int32', null, { 0: -1, 1: -2, 2: 500 }, [500], 12);
  });

  it('float32: skips NaN and values above saturation, keeps negative values', () => {
    expectKept(new Float32Array(W * H), 'float32', 1000, { 0: Number.NaN, 1: 5000, 2: -4.5 }, [-4.5], 10);
  });

  it('does not modify the frame', () => {
    const px = fillWith(new Uint16Array(W * H), { 0: 0xffff, 1: 5000 });
    const copy = px.slice();
    meanOf(px, 'uint16', 1000);
    expect(px).toEqual(copy);
  });
});

describe('PixelMaskCache', () => {
  it('builds once per geometry, detector mask and user mask', () => {
    const cache = new PixelMaskCache();
    const det = new Uint32Array(W * H);
    const s = source({ pixelMask: det });
    const a = cache.get(geometry, s, { d_max: 5 });
    for (let i = 0; i < 50; i++) expect(cache.get(geometry, s, { d_max: 5 })).toBe(a);
    expect(cache.builds).toBe(1);
    const moved = new DetectorGeometry({ ...geometry, beamCenterX: 21 });
    expect(cache.get(moved, s, { d_max: 5 })).not.toBe(a);
    expect(cache.get(geometry, s, { d_max: 6 }).id).not.toBe(a.id);
    expect(cache.get(geometry, source({ pixelMask: det.slice() }), { d_max: 5 }).id).not.toBe(a.id);
    expect(cache.builds).toBe(4);
  });
});
