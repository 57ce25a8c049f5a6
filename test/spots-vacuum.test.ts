// The EIGER2 XE 9M vacuum shots (mean 0.015 counts/pixel) are not hits for either finder.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { eigerGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import { createSpotFinder } from '../src/stages/analysis/SpotFinder.js';
import { sharedDataDir } from './helpers/cbf.js';
import { h5pyMissing, readH5Frame } from './helpers/h5frames.js';

const HIT_MIN_SPOTS = 20;
const data = sharedDataDir();
const file = data ? join(data, 'bioxtasraw', 'vac_007_data_000001.h5') : '';
const why = !data || !existsSync(file) ? 'vacuum frames missing' : h5pyMissing();
if (why) console.warn(`spots-vacuum: skipped (${why})`);

describe.skipIf(why !== null)('vacuum frames', () => {
  it('neither dispersion nor peakfinder8 calls them hits', () => {
    for (const index of [0, 1]) {
      const f = readH5Frame(file, '/entry/data/data', index);
      const pixels = f.pixels as Uint32Array;
      const mask = new Uint8Array(f.width * f.height).fill(1); // gaps are all-ones, excluded per frame
      const g = eigerGeometry(f.width, f.height, { distance: 0.2 });
      const disp = createSpotFinder('dispersion', g, mask).find(pixels);
      const pf8 = createSpotFinder('peakfinder8', g, mask, { peakfinder8: { adcThreshold: 5, fast: true } }).find(
        pixels,
      );
      console.log(
        `vacuum frame ${index}: dispersion ${disp.nSpots} spots, peakfinder8 ${pf8.nSpots} peaks, mean ${disp.backgroundMean.toFixed(4)}`,
      );
      expect(disp.nSpots).toBeLessThan(HIT_MIN_SPOTS);
      expect(pf8.nSpots).toBeLessThan(HIT_MIN_SPOTS);
      expect(disp.backgroundMean).toBeLessThan(0.1);
    }
  });
});
