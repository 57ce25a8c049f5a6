// peakfinder8: radial statistics, a hand-built peak, ASIC edges, synthetic frames with known
// spots (recall / precision reported), a real thaumatin frame against DIALS's spots, bad input.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eigerGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import { Peakfinder8 } from '../src/stages/analysis/Peakfinder8.js';
import { createSpotFinder } from '../src/stages/analysis/SpotFinder.js';
import { defaultGeometry } from '../src/simulator/BackgroundModel.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { cbfGeometry, detectorModules, moduleMask, readCbf, sharedDataDir } from './helpers/cbf.js';
import { matchedFraction, modelValidMask, scoreAgainstTruth, type XY } from './spots-helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Poisson(lambda) pixels from a fixed-seed generator (Knuth). */
function poissonFrame(n: number, lambda: number, seed: number): Uint16Array {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Uint16Array(n);
  const L = Math.exp(-lambda);
  for (let i = 0; i < n; i++) {
    let k = 0,
      p = u();
    while (p > L) {
      k++;
      p *= u();
    }
    out[i] = k;
  }
  return out;
}

describe('peakfinder8 on constructed frames', () => {
  const w = 256,
    h = 256;
  const g = eigerGeometry(w, h, { distance: 0.1 });
  const mask = new Uint8Array(w * h).fill(1);

  it('radial statistics of a Poisson frame: mean ~ lambda, sigma ~ sqrt(lambda), threshold = mean + snr sigma', () => {
    const px = poissonFrame(w * h, 20, 1);
    const pf = new Peakfinder8(g, mask, { minSnr: 5 });
    const { offset, sigma, threshold } = pf.radialStatistics(px);
    for (const b of [40, 80, 120]) {
      expect(offset[b]!).toBeGreaterThan(18);
      expect(offset[b]!).toBeLessThan(22);
      expect(sigma[b]!).toBeGreaterThan(3.5);
      expect(sigma[b]!).toBeLessThan(5);
      expect(threshold[b]!).toBeCloseTo(offset[b]! + 5 * sigma[b]!, 3);
    }
    // fast mode sees 100 pixels per bin: close to the full statistics
    pf.setFast(true);
    const fast = pf.radialStatistics(px);
    for (const b of [60, 100]) expect(Math.abs(fast.offset[b]! - offset[b]!)).toBeLessThan(1.5);
  });

  it('finds a hand-built peak with the right centroid, size, intensity and SNR', () => {
    const px = new Uint16Array(w * h).fill(10);
    for (let i = 0; i < px.length; i += 2) px[i] = 12; // background 11 +- 1
    // 3x3 peak centred on pixel (100, 60): centre 400, edges 100
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) px[(60 + dy) * w + 100 + dx] = dx === 0 && dy === 0 ? 400 : 100;
    const pf = new Peakfinder8(g, mask, { minSnr: 5, adcThreshold: 20, minPixCount: 2 });
    const r = pf.find(px);
    expect(r.nPeaks).toBe(1);
    const s = r.spots.spot(0);
    expect(s.x).toBeCloseTo(100.5, 6);
    expect(s.y).toBeCloseTo(60.5, 6);
    expect(s.npix).toBe(9);
    expect(s.max).toBe(400);
    expect(s.background!).toBeCloseTo(11, 0);
    expect(s.intensity).toBeCloseTo(400 + 8 * 100 - 9 * s.background!, 6);
    expect(s.snr!).toBeGreaterThan(100);
  });

  it('applies the pixel-count cut and the resolution limits, and never grows a peak across an ASIC edge', () => {
    const px = new Uint16Array(w * h).fill(5);
    for (let i = 0; i < px.length; i += 3) px[i] = 6;
    px[30 * w + 30] = 300; // single pixel: below min_pix_count 2
    for (let x = 126; x <= 129; x++) px[200 * w + x] = 300; // 4-pixel bar across x = 128
    const asics = [
      { x0: 0, y0: 0, width: 128, height: 256 },
      { x0: 128, y0: 0, width: 128, height: 256 },
    ];
    const r = new Peakfinder8(g, mask, { adcThreshold: 20, asics }).find(px);
    expect(r.nPeaks).toBe(2); // the bar is split in two 2-pixel peaks, the single pixel is dropped
    const xs = r.spots
      .toArray()
      .map((s) => s.x)
      .sort((a, b) => a - b);
    expect(xs[0]).toBeCloseTo(127, 6);
    expect(xs[1]).toBeCloseTo(129, 6);
    // max_res 50 px from the centre (128, 128) excludes both
    expect(new Peakfinder8(g, mask, { adcThreshold: 20, asics, maxRes: 50 }).find(px).nPeaks).toBe(0);
  });

  it('refuses bad input with a clear error', () => {
    expect(() => new Peakfinder8(g, new Uint8Array(5))).toThrow(/mask has 5 pixels/);
    expect(() => new Peakfinder8(g, mask, { asics: [{ x0: 200, y0: 0, width: 100, height: 10 }] })).toThrow(
      /ASIC rectangle/,
    );
    expect(() => new Peakfinder8(g, mask, { minRes: 10, maxRes: 5 })).toThrow(/min_res/);
    const pf = new Peakfinder8(g, mask, { localBgRadius: 0 });
    expect(() => pf.find(new Uint16Array(w * h))).toThrow(/local_bg_radius/);
    expect(() => new Peakfinder8(g, mask).find(new Uint16Array(7))).toThrow(/pixels has 7 elements/);
  });
});

describe('peakfinder8 on synthetic EIGER2 4M frames with known spots', () => {
  it('reports recall and precision (full and fast mode)', () => {
    const model = detectorModel('eiger2-4m');
    const g = defaultGeometry(model);
    const pf = new Peakfinder8(g, modelValidMask(model), {
      adcThreshold: 5,
      minSnr: 5,
      minPixCount: 2,
      maxPixCount: 200,
      localBgRadius: 3,
      asics: detectorModules(model.width, model.height),
      trustedRange: [-1, model.saturationValue('uint16') + 1],
    });
    for (const fast of [false, true]) {
      pf.setFast(fast);
      const label = `peakfinder8 ${fast ? 'fast' : 'full'}`;
      const { recall, precision } = scoreAgainstTruth(label, model, 2, (pixels) => pf.find(pixels).spots.toArray());
      expect(recall).toBeGreaterThan(0.8);
      expect(precision).toBeGreaterThan(0.8);
    }
  });
});

const data = sharedDataDir();
const thau = data ? join(data, 'dials_data_files', 'thau_3_2_0002.cbf.bz2') : '';
describe.skipIf(!data || !existsSync(thau))('peakfinder8 on a real thaumatin frame', () => {
  it("finds most of DIALS's spots (reported)", () => {
    const frame = readCbf(thau);
    const g = cbfGeometry(frame);
    const finder = createSpotFinder('peakfinder8', g, moduleMask(frame.width, frame.height), {
      peakfinder8: {
        adcThreshold: 10,
        minSnr: 6,
        minPixCount: 2,
        maxPixCount: 200,
        localBgRadius: 4,
        asics: detectorModules(frame.width, frame.height),
        trustedRange: [-1, frame.countCutoff],
        fast: true,
      },
    });
    const r = finder.find(frame.pixels);
    const golden = JSON.parse(readFileSync(join(here, 'goldens', 'spots', 'thaumatin.json'), 'utf8')) as {
      frames: Array<{ spots: number[][] }>;
    };
    const dials: XY[] = golden.frames[1]!.spots.map((s) => ({ x: s[0]!, y: s[1]! }));
    const ours = r.spots.toArray();
    const recall = matchedFraction(dials, ours, 1.5),
      precision = matchedFraction(ours, dials, 1.5);
    console.log(
      `peakfinder8 fast on thau_3_2_0002: ${ours.length} peaks vs DIALS ${dials.length}; DIALS matched ${recall.toFixed(3)}, ours matched ${precision.toFixed(3)}`,
    );
    expect(recall).toBeGreaterThan(0.6);
    expect(precision).toBeGreaterThan(0.6);
  });
});
