// Radial profile and ice flag on real EIGER frames read from HDF5 (h5py + hdf5plugin): the
// bitshuffle-compressed EIGER 4M protein frame and the EIGER2 9M vacuum (empty) control.
// These files carry no geometry, so a plausible one is assumed (centre of the detector, 75 um,
// 150 mm, 1 A); the checks are about masking and counts, which do not depend on it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IceRingFlag } from '../src/stages/analysis/IceRingFlag.js';
import { validLimit } from '../src/stages/analysis/PixelMask.js';
import { RadialProfiler, type RadialProfileResult } from '../src/stages/analysis/RadialProfile.js';
import { eigerGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import { h5pyMissing, readH5Frame, type H5Frame } from './helpers/h5frames.js';
import { DATA_ROOT } from './radial-fixtures.js';

const missing = h5pyMissing();
const BITSHUFFLE = join(DATA_ROOT, 'hdf5plugin', 'bitshuffle.h5');
const VACUUM = join(DATA_ROOT, 'bioxtasraw', 'vac_007_data_000001.h5');

/** The profile of a uint32 frame in `bins` q bins, under the assumed geometry (beam at the
 * centre, 75 um, 150 mm, 1 A) and no masks but the frame's own all-ones gap pixels. */
function assumedProfile(f: H5Frame, bins: number): { limit: number; result: RadialProfileResult } {
  const profiler = new RadialProfiler({ bins: { unit: 'q', count: bins } });
  const p = profiler.profileFor(eigerGeometry(f.width, f.height, { distance: 0.15 }), {
    width: f.width,
    height: f.height,
    dtype: 'uint32',
    saturationValue: null,
    pixelMask: null,
  });
  return { limit: p.limit, result: p.integrate(f.pixels, p.createResult()) };
}

describe.skipIf(missing !== null || !existsSync(BITSHUFFLE))('EIGER 4M frame from bitshuffle.h5', () => {
  it('reads the known pixel and skips exactly the all-ones gap pixels', () => {
    const f = readH5Frame(BITSHUFFLE);
    expect([f.width, f.height, f.dtype, f.frames]).toEqual([2070, 2167, 'uint32', 1]);
    expect(f.pixels[1372 * 2070 + 613]).toBe(922);
    let gaps = 0;
    let sum = 0;
    for (const v of f.pixels) {
      if (v === 0xffffffff) gaps++;
      else sum += v;
    }
    const { limit, result: r } = assumedProfile(f, 400);
    expect(limit).toBe(validLimit('uint32', null));
    expect(r.excluded).toBe(gaps);
    expect(gaps).toBeGreaterThan(100_000);
    let counted = 0;
    let total = 0;
    for (let b = 0; b < 400; b++) {
      counted += r.count[b]!;
      if (r.count[b]! > 0) total += r.mean[b]! * r.count[b]!;
    }
    expect(counted).toBe(f.width * f.height - gaps);
    expect(total / sum - 1).toBeCloseTo(0, 9);
    const ice = new IceRingFlag('q', r.centres).check(r.mean, r.count);
    console.log(
      `bitshuffle.h5: ${gaps} gap pixels skipped; ice flag (assumed geometry) ${ice.flagged}:`,
      ice.rings
        .filter((x) => x.flagged)
        .map((x) => `${x.d.toFixed(3)} A z ${x.significance.toFixed(1)} rel ${x.relativeExcess.toFixed(3)}`)
        .join('; '),
    );
  });
});

describe.skipIf(missing !== null || !existsSync(VACUUM))('EIGER2 9M vacuum frames (empty control)', () => {
  it('gives a flat, near-zero profile and no ice flag for both frames', () => {
    for (const index of [0, 1]) {
      const f = readH5Frame(VACUUM, '/entry/data/data', index);
      expect(f.dtype).toBe('uint32');
      expect(f.frames).toBe(2);
      const r = assumedProfile(f, 300).result;
      let n = 0;
      let s = 0;
      for (let b = 0; b < 300; b++) {
        if (r.count[b]! === 0) continue;
        n += r.count[b]!;
        s += r.mean[b]! * r.count[b]!;
      }
      const mean = s / n;
      console.log(
        `vacuum frame ${index}: ${f.width} x ${f.height}, ${r.excluded} pixels skipped, mean ${mean.toFixed(4)} counts/pixel`,
      );
      expect(mean).toBeGreaterThan(0.005);
      expect(mean).toBeLessThan(0.05);
      expect(new IceRingFlag('q', r.centres).check(r.mean, r.count).flagged).toBe(false);
    }
  });
});

if (missing) describe.skip(`HDF5 frame tests skipped: ${missing}`, () => {});
