import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultGeometry } from '../src/simulator/BackgroundModel.js';
import { detectorModel, MASK_DEAD, MASK_GAP, MASK_NOISY, parseDetectorName } from '../src/simulator/DetectorModel.js';
import { frameTruth, synthesizeFrame, type SynthOptions } from '../src/simulator/FrameSynth.js';

const model = detectorModel('eiger2-4m');
const hits: SynthOptions = { dtype: 'uint16', hitFraction: 1, iceRings: false, splitSpots: false };

function sha(a: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
}

describe('DetectorModel', () => {
  it('has the EIGER2 sizes with 1028x512 modules and 12/38 px gaps', () => {
    expect([detectorModel('eiger2-4m').width, detectorModel('eiger2-4m').height]).toEqual([2068, 2162]);
    expect([detectorModel('eiger2-9m').width, detectorModel('eiger2-9m').height]).toEqual([3108, 3262]);
    expect([detectorModel('eiger2-16m').width, detectorModel('eiger2-16m').height]).toEqual([4148, 4362]);
    expect(model.isGap(1027, 0)).toBe(false);
    expect(model.isGap(1028, 0)).toBe(true);
    expect(model.isGap(1039, 0)).toBe(true);
    expect(model.isGap(1040, 0)).toBe(false);
    expect(model.isGap(0, 511)).toBe(false);
    expect(model.isGap(0, 512)).toBe(true);
    expect(model.isGap(0, 549)).toBe(true);
    expect(model.isGap(0, 550)).toBe(false);
  });

  it('marks exactly the gap pixels with bit 0 and a few sensor pixels dead or noisy', () => {
    const mask = model.pixelMask();
    let gaps = 0;
    let dead = 0;
    let noisy = 0;
    let mismatches = 0;
    for (let y = 0; y < model.height; y++) {
      for (let x = 0; x < model.width; x++) {
        const m = mask[y * model.width + x]!;
        if (((m & MASK_GAP) !== 0) !== model.isGap(x, y)) mismatches++;
        if (m & MASK_GAP) gaps++;
        if (m & MASK_DEAD) dead++;
        if (m & MASK_NOISY) noisy++;
      }
    }
    expect(mismatches).toBe(0);
    // 1 vertical gap of 12 columns, 3 horizontal gaps of 38 rows.
    expect(gaps).toBe(12 * model.height + 3 * 38 * model.width - 12 * 3 * 38);
    expect(dead).toBeGreaterThan(10);
    expect(noisy).toBeGreaterThan(10);
    expect(dead + noisy).toBeLessThan(1000);
  });

  it('rejects an unknown detector name with the valid ones listed', () => {
    expect(() => parseDetectorName('eiger9-1m')).toThrow(
      /unknown detector "eiger9-1m".*eiger2-4m, eiger2-9m, eiger2-16m/,
    );
    expect(parseDetectorName('EIGER2-16M')).toBe('eiger2-16m');
  });
});

describe('synthesizeFrame', () => {
  it('is deterministic for a seed and frame index, and differs otherwise', () => {
    const a = synthesizeFrame(model, hits, 3, 42);
    const b = synthesizeFrame(model, hits, 3, 42);
    expect(sha(a.pixels)).toBe(sha(b.pixels));
    expect(a.truth).toEqual(b.truth);
    expect(sha(synthesizeFrame(model, hits, 4, 42).pixels)).not.toBe(sha(a.pixels));
    expect(sha(synthesizeFrame(model, hits, 3, 43).pixels)).not.toBe(sha(a.pixels));
  });

  it('writes every masked pixel as all-ones and keeps the rest at or below saturation', () => {
    for (const dtype of ['uint16', 'uint32'] as const) {
      const { pixels } = synthesizeFrame(model, { ...hits, dtype }, 0, 7);
      const allOnes = dtype === 'uint16' ? 0xffff : 0xffffffff;
      const saturation = model.saturationValue(dtype);
      const mask = model.pixelMask();
      let maxValid = 0;
      let maskedWrong = 0;
      for (let i = 0; i < pixels.length; i++) {
        if (mask[i] !== 0) {
          if (pixels[i] !== allOnes) maskedWrong++;
        } else if (pixels[i]! > maxValid) maxValid = pixels[i]!;
      }
      expect(maskedWrong).toBe(0);
      expect(maxValid).toBeLessThanOrEqual(saturation);
      expect(maxValid).toBeGreaterThan(1000); // strong spots exist
    }
  });

  it('puts a local maximum at each isolated strong truth spot, on an unmasked pixel away from gaps', () => {
    const { pixels, truth } = synthesizeFrame(model, hits, 1, 11);
    expect(truth.hit).toBe(true);
    expect(truth.spots.length).toBeGreaterThan(20);
    const mask = model.pixelMask();
    let checked = 0;
    for (const spot of truth.spots) {
      const ix = Math.floor(spot.x);
      const iy = Math.floor(spot.y);
      expect(mask[iy * model.width + ix]).toBe(0);
      expect(model.distanceToModuleEdge(ix, iy)).toBeGreaterThanOrEqual(3);
      const isolated = truth.spots.every((o) => o === spot || Math.hypot(o.x - spot.x, o.y - spot.y) > 12);
      if (!isolated || spot.intensity < 2000) continue;
      // The brightest pixel within 4 px of the truth centre is within ~1 px of it.
      let best = -1;
      let bx = 0;
      let by = 0;
      for (let y = iy - 4; y <= iy + 4; y++) {
        for (let x = ix - 4; x <= ix + 4; x++) {
          const v = pixels[y * model.width + x]!;
          if (mask[y * model.width + x] === 0 && v > best) [best, bx, by] = [v, x, y];
        }
      }
      expect(Math.hypot(bx + 0.5 - spot.x, by + 0.5 - spot.y)).toBeLessThan(1.6);
      expect(best).toBeGreaterThan(20);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('makes no spots on misses and respects the hit fraction', () => {
    const options = { ...hits, hitFraction: 0.3 };
    let hitCount = 0;
    for (let i = 0; i < 2000; i++) {
      const t = frameTruth(model, options, i, 5);
      if (t.hit) hitCount++;
      else expect(t.spots).toEqual([]);
    }
    expect(hitCount / 2000).toBeGreaterThan(0.26);
    expect(hitCount / 2000).toBeLessThan(0.34);
    expect(frameTruth(model, { ...hits, hitFraction: 0 }, 0, 5).hit).toBe(false);
  });

  it('doubles spots at a 5-7 px offset when asked', () => {
    const t = frameTruth(model, { ...hits, splitSpots: true }, 2, 9);
    expect(t.spots.length % 2).toBe(0);
    for (let i = 0; i < t.spots.length; i += 2) {
      const d = Math.hypot(t.spots[i]!.x - t.spots[i + 1]!.x, t.spots[i]!.y - t.spots[i + 1]!.y);
      expect(d).toBeGreaterThanOrEqual(5);
      expect(d).toBeLessThanOrEqual(7);
    }
  });

  it('shows sharp ice rings at the hexagonal ice d-spacings only when asked', () => {
    const misses: SynthOptions = { ...hits, hitFraction: 0 };
    const plain = synthesizeFrame(model, misses, 0, 3).pixels;
    const ice = synthesizeFrame(model, { ...misses, iceRings: true }, 0, 3).pixels;
    const g = defaultGeometry(model);
    const mask = model.pixelMask();
    const meanIn = (pixels: Uint16Array | Uint32Array, dLo: number, dHi: number) => {
      let sum = 0;
      let n = 0;
      for (let y = 0; y < model.height; y += 2) {
        for (let x = 0; x < model.width; x += 2) {
          const i = y * model.width + x;
          if (mask[i] !== 0) continue;
          const d = g.dAt(x + 0.5, y + 0.5);
          if (d >= dLo && d < dHi) {
            sum += pixels[i]!;
            n++;
          }
        }
      }
      return sum / n;
    };
    for (const d of [3.897, 3.669, 3.441, 2.671, 2.249]) {
      const onRing = meanIn(ice, d - 0.004, d + 0.004);
      const plainRing = meanIn(plain, d - 0.004, d + 0.004);
      const beside = meanIn(ice, d + 0.06, d + 0.08);
      expect(onRing).toBeGreaterThan(2 * plainRing);
      expect(onRing).toBeGreaterThan(2 * beside);
    }
  });
});
