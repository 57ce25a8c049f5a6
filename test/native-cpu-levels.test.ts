// Every kernel at every CPU level this machine has (native/src/cpu_level.h) against the portable
// one: bit-unshuffle + LZ4 decode, the dispersion and dispersion_extended spot finders (spots,
// strong-pixel mask, per-frame numbers) and peakfinder8 (radial statistics, peaks). The outputs
// must be identical, not close: the levels are different code for the same arithmetic.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../src/native/addon.js';
import { atCpuLevel, supportedCpuLevels, type CpuLevel } from '../src/native/cpuLevel.js';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { DispersionSpotFinder, type DispersionAlgorithm } from '../src/stages/analysis/DispersionSpotFinder.js';
import { Peakfinder8 } from '../src/stages/analysis/Peakfinder8.js';
import type { SpotPixels } from '../src/native/addon.js';
import { DetectorGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import { cbfGeometry, moduleMask, readCbf, sharedDataDir } from './helpers/cbf.js';

const levels = supportedCpuLevels();
const initial = nativeAddon().cpuLevel();
afterAll(() => {
  nativeAddon().setCpuLevel(initial);
});

/** A detector-like frame: Poisson-ish background, planted spots of a few pixels, saturated and
 * gap pixels, from a fixed seed. */
function syntheticFrame<T extends SpotPixels>(
  make: (n: number) => T,
  w: number,
  h: number,
  gap: number,
  seed: number,
): T {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const px = make(w * h);
  for (let i = 0; i < px.length; i++) px[i] = Math.floor(-Math.log(1 - u()) * 3);
  for (let k = 0; k < 60; k++) {
    const cx = 4 + Math.floor(u() * (w - 8));
    const cy = 4 + Math.floor(u() * (h - 8));
    const peak = 50 + Math.floor(u() * 2000);
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) px[(cy + dy) * w + cx + dx] = Math.floor(peak / (1 + 2 * (dx * dx + dy * dy)));
  }
  for (let x = 0; x < w; x++) px[(h >> 1) * w + x] = gap; // a gap row
  px[w + 5] = gap - 1; // saturated
  return px;
}

function geometryOf(w: number, h: number): DetectorGeometry {
  return new DetectorGeometry({
    width: w,
    height: h,
    beamCenterX: w * 0.45,
    beamCenterY: h * 0.55,
    distance: 0.12,
    wavelength: 0.98,
    pixelSizeX: 75e-6,
    pixelSizeY: 75e-6,
  });
}

/** A big array as one string, so comparing whole frames stays cheap. */
function bytesOf(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Everything a spot finder reports for one frame, copied out of its reused buffers. */
function dispersionOutputs(finder: DispersionSpotFinder, pixels: SpotPixels): unknown {
  const r = finder.find(pixels);
  return {
    spots: Array.from(r.spots.table.subarray(0, r.spots.count * 8)),
    nSpots: r.nSpots,
    strong: r.strongPixels,
    valid: r.validPixels,
    saturated: r.saturatedPixels,
    background: r.backgroundMean,
    strongMask: bytesOf(finder.strongMask(pixels)),
  };
}

function pf8Outputs(finder: Peakfinder8, pixels: SpotPixels): unknown {
  const stats = finder.radialStatistics(pixels);
  const r = finder.find(pixels);
  return {
    offset: bytesOf(stats.offset),
    sigma: bytesOf(stats.sigma),
    threshold: bytesOf(stats.threshold),
    peaks: Array.from(r.spots.table.subarray(0, r.spots.count * 8)),
    nPeaks: r.nPeaks,
    valid: r.validPixels,
    saturated: r.saturatedPixels,
  };
}

/** `run` at the portable level and at each other level; all must agree exactly. */
function expectSameAtEveryLevel(run: () => unknown): void {
  const portable = atCpuLevel('scalar', run);
  for (const level of levels.filter((l): l is Exclude<CpuLevel, 'scalar'> => l !== 'scalar')) {
    expect(atCpuLevel(level, run), `level ${level}`).toEqual(portable);
  }
}

describe('the CPU level', () => {
  it('is one switch: forcing it reports it back, unknown names and missing levels are refused', () => {
    const addon = nativeAddon();
    expect(levels).toContain('scalar');
    expect(levels[0]).toBe(initial); // the best level is the default
    for (const level of levels) expect(atCpuLevel(level, () => addon.cpuLevel())).toBe(level);
    expect(() => addon.setCpuLevel('neon' as CpuLevel)).toThrow(/unknown CPU level "neon"/);
    if (!levels.includes('avx512gfni')) {
      expect(() => addon.setCpuLevel('avx512gfni')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED' }));
    }
  });
});

describe.each([
  ['uint16', (n: number): Uint16Array | Uint32Array => new Uint16Array(n), 0xffff, 2],
  ['uint32', (n: number): Uint16Array | Uint32Array => new Uint32Array(n), 0xffffffff, 4],
] as const)('%s kernels at every CPU level agree with the portable ones', (_name, make, gap, elem) => {
  const w = 515,
    h = 263; // odd sizes: vector tails and partial bitshuffle blocks
  const frames = [1, 2, 3].map((seed) => syntheticFrame(make, w, h, gap, seed));
  const mask = new Uint8Array(w * h).fill(1);

  it('decode: bslz4 (default and small blocks) and both LZ4 framings', () => {
    const codec = nativeCodec();
    for (const px of frames) {
      const blobs: [Uint8Array, 1 | 2 | 3][] = [
        [codec.encodeBslz4(px, elem), 3],
        [codec.encodeBslz4(px, elem, 1024), 3],
        [codec.encodeLz4Framed(px, 65536), 2],
        [codec.encodeLz4Block(px), 1],
      ];
      for (const [blob, id] of blobs) {
        expectSameAtEveryLevel(() => {
          const out = make(w * h);
          codec.decodeInto(blob, id, elem, out);
          return bytesOf(out);
        });
      }
    }
  });

  it.each<DispersionAlgorithm>(['dispersion', 'dispersion_extended'])('%s', (algorithm) => {
    const finder = new DispersionSpotFinder(w, h, mask, { algorithm });
    for (const px of frames) expectSameAtEveryLevel(() => dispersionOutputs(finder, px));
  });

  it('peakfinder8 (full and fast radial statistics)', () => {
    const finder = new Peakfinder8(geometryOf(w, h), mask, { minSnr: 4 });
    for (const fast of [false, true]) {
      finder.setFast(fast);
      for (const px of frames) expectSameAtEveryLevel(() => pf8Outputs(finder, px));
    }
  });
});

const data = sharedDataDir();
describe.skipIf(!data)('real frames at every CPU level', () => {
  it('a PILATUS 6M thaumatin still (int32, gaps -1): dispersion_extended and peakfinder8', () => {
    const frame = readCbf(join(data!, 'dials_data_files', 'thau_3_2_0003.cbf.bz2'));
    const { width: w, height: h, pixels } = frame;
    const mask = moduleMask(w, h);
    const geometry = cbfGeometry(frame);
    const dispersion = new DispersionSpotFinder(w, h, mask);
    expectSameAtEveryLevel(() => dispersionOutputs(dispersion, pixels));
    const pf8 = new Peakfinder8(geometry, mask);
    expectSameAtEveryLevel(() => pf8Outputs(pf8, pixels));
  }, 120_000);
});
