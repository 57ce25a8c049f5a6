// Dispersion spot finding against dials.find_spots on real frames (goldens made by
// test/goldens/make_dials_goldens.py), on synthetic frames with known spots, and on bad input.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { moduleMask, readCbf, sharedDataDir } from './helpers/cbf.js';
import { matchedFraction, modelValidMask, scoreAgainstTruth, type XY } from './spots-helpers.js';
import { DispersionSpotFinder } from '../src/stages/analysis/DispersionSpotFinder.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { synthesizeFrame, DEFAULT_SYNTH_OPTIONS } from '../src/simulator/FrameSynth.js';

const here = dirname(fileURLToPath(import.meta.url));
const goldenDir = join(here, 'goldens', 'spots');
const data = sharedDataDir();
const dialsDir = data ? join(data, 'dials_data_files') : null;
const haveData = dialsDir !== null && existsSync(dialsDir);
if (!haveData) console.warn('spots-dispersion: ../shared/data/dials_data_files missing; real-frame tests skipped');

/** Hit call used throughout: a frame is a hit with at least this many spots. */
const HIT_MIN_SPOTS = 20;

interface GoldenFrame {
  file: string;
  n: number;
  n_masked_pixels: number;
  spots: number[][];
}
interface Golden {
  frames: GoldenFrame[];
}
const golden = (name: string): Golden => JSON.parse(readFileSync(join(goldenDir, `${name}.json`), 'utf8')) as Golden;
const xy = (spots: number[][]): XY[] => spots.map((s) => ({ x: s[0]!, y: s[1]! }));

function findOnCbf(file: string, algorithm: 'dispersion' | 'dispersion_extended' = 'dispersion_extended') {
  const frame = readCbf(join(dialsDir!, file));
  const finder = new DispersionSpotFinder(frame.width, frame.height, moduleMask(frame.width, frame.height), {
    algorithm,
    trustedRange: [-1, frame.countCutoff],
  });
  const r = finder.find(frame.pixels);
  return { frame, r, spots: r.spots.toArray() };
}

describe.skipIf(!haveData)('dispersion on real frames vs dials.find_spots (goldens)', () => {
  it('thaumatin grid scan: same counts, same spots, same hit calls, same mask as DIALS on all 19 frames', () => {
    for (const g of golden('thaumatin').frames) {
      const { frame, r, spots } = findOnCbf(g.file);
      // DIALS's mask = trusted range (-1, Count_cutoff) + module gaps
      expect(frame.width * frame.height - r.validPixels, g.file).toBe(g.n_masked_pixels);
      if (g.n > 50) expect(Math.abs(r.nSpots - g.n) / g.n, g.file).toBeLessThanOrEqual(0.05);
      expect(r.nSpots >= HIT_MIN_SPOTS, `${g.file} hit call`).toBe(g.n >= HIT_MIN_SPOTS);
      expect(matchedFraction(xy(g.spots), spots, 1), `${g.file} DIALS spots matched by ours`).toBeGreaterThanOrEqual(
        0.95,
      );
      expect(matchedFraction(spots, xy(g.spots), 1), `${g.file} our spots matched by DIALS`).toBeGreaterThanOrEqual(
        0.95,
      );
    }
  });

  it('reproduces DIALS spot for spot (count exact, centroids and intensities within rounding)', () => {
    const g = golden('thaumatin').frames[1]!;
    const { spots } = findOnCbf(g.file);
    expect(spots.length).toBe(g.n);
    // both lists are in raster order of each spot's first pixel
    for (let i = 0; i < g.n; i++) {
      const d = g.spots[i]!;
      expect(Math.abs(spots[i]!.x - d[0]!)).toBeLessThanOrEqual(0.006);
      expect(Math.abs(spots[i]!.y - d[1]!)).toBeLessThanOrEqual(0.006);
      expect(spots[i]!.intensity).toBeCloseTo(d[2]!, 0);
    }
  });

  it('classic dispersion threshold matches DIALS threshold.algorithm=dispersion', () => {
    for (const g of golden('thaumatin_dispersion').frames) {
      const { r, spots } = findOnCbf(g.file, 'dispersion');
      expect(r.nSpots, g.file).toBe(g.n);
      expect(matchedFraction(xy(g.spots), spots, 0.01), g.file).toBe(1);
    }
  });

  it('weak PILATUS frame (I03, 168 spots) and EIGER 16M frame (110 spots)', () => {
    for (const name of ['dls_i03_smargon', 'dlsnxs2cbf_therm']) {
      const g = golden(name).frames[0]!;
      const { r, spots } = findOnCbf(g.file);
      expect(Math.abs(r.nSpots - g.n) / g.n, name).toBeLessThanOrEqual(0.05);
      expect(matchedFraction(xy(g.spots), spots, 1), name).toBeGreaterThanOrEqual(0.95);
      expect(matchedFraction(spots, xy(g.spots), 1), name).toBeGreaterThanOrEqual(0.95);
    }
  });

  const haveDials = spawnSync('dials.find_spots', ['--help'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!haveDials)(
    'live: dials.find_spots today still gives the golden spots (I03 frame)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'spots-dials-'));
      try {
        const file = join(dialsDir!, 'DLS_I03_smargon_0001.cbf.gz');
        expect(spawnSync('dials.import', [file], { cwd: dir }).status).toBe(0);
        expect(spawnSync('dials.find_spots', ['imported.expt', 'nproc=1'], { cwd: dir }).status).toBe(0);
        const py =
          'from dials.array_family import flex; r = flex.reflection_table.from_file("strong.refl"); print(len(r))';
        const out = spawnSync('/usr/bin/python3', ['-c', py], { cwd: dir, encoding: 'utf8' });
        expect(Number(out.stdout.trim())).toBe(golden('dls_i03_smargon').frames[0]!.n);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

describe('dispersion on synthetic EIGER2 frames with known spots', () => {
  it('recall and precision >= 0.97 against the simulator truth', () => {
    const model = detectorModel('eiger2-4m');
    const finder = new DispersionSpotFinder(model.width, model.height, modelValidMask(model), {
      trustedRange: [-1, model.saturationValue('uint16') + 1],
    });
    const { recall, precision } = scoreAgainstTruth('dispersion', model, 3, (pixels) =>
      finder.find(pixels).spots.toArray(),
    );
    expect(recall).toBeGreaterThanOrEqual(0.97);
    expect(precision).toBeGreaterThanOrEqual(0.97);
  });

  it('finds nothing on a blank Poisson frame and reports its background', () => {
    const model = detectorModel('eiger2-4m');
    const mask = new Uint8Array(model.pixelCount).fill(1);
    const finder = new DispersionSpotFinder(model.width, model.height, mask);
    const { pixels } = synthesizeFrame(model, { ...DEFAULT_SYNTH_OPTIONS, hitFraction: 0 }, 0, 99);
    const r = finder.find(pixels);
    expect(r.nSpots).toBeLessThan(HIT_MIN_SPOTS);
    expect(r.backgroundMean).toBeGreaterThan(0.3);
    expect(r.backgroundMean).toBeLessThan(5);
    expect(r.validPixels).toBe(model.pixelCount - model.maskedPixels().length); // all-ones masked pixels excluded
  });
});

describe('dispersion: bad input is refused with a clear error', () => {
  const mask = new Uint8Array(64 * 64).fill(1);
  it('rejects wrong sizes, types and parameters', () => {
    expect(() => new DispersionSpotFinder(64, 64, new Uint8Array(10))).toThrow(/mask has 10 pixels/);
    expect(() => new DispersionSpotFinder(64, 64, mask, { kernelSize: 9 })).toThrow(/kernel half-width/);
    expect(() => new DispersionSpotFinder(64, 64, mask, { minLocal: 1 })).toThrow(/min_local/);
    expect(() => new DispersionSpotFinder(64, 64, mask, { trustedRange: [5, 1] })).toThrow(/trusted range/);
    const f = new DispersionSpotFinder(64, 64, mask);
    expect(() => f.find(new Uint16Array(100))).toThrow(/pixels has 100 elements/);
    expect(() => f.find(new Float32Array(64 * 64) as unknown as Uint16Array)).toThrow(
      /Uint16Array, Uint32Array or Int32Array/,
    );
  });

  it('refuses a frame that is mostly strong pixels, like DIALS', () => {
    const f = new DispersionSpotFinder(64, 64, mask, { algorithm: 'dispersion', maxStrongFraction: 0.01 });
    const px = new Uint32Array(64 * 64);
    for (let i = 0; i < px.length; i++) px[i] = (i * 2654435761) % 1000 < 500 ? 0 : 1000; // salt and pepper
    const r = f.find(px);
    expect(r.tooManyStrong).toBe(true);
    expect(r.nSpots).toBe(0);
  });

  it('keeps the spot count when the table is too small, storing only its capacity', () => {
    const f = new DispersionSpotFinder(64, 64, mask, { capacity: 2 });
    const px = new Uint16Array(64 * 64).fill(2);
    for (const [x, y] of [
      [10, 10],
      [30, 10],
      [50, 10],
      [10, 40],
      [40, 40],
    ] as const) {
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) px[(y + dy) * 64 + x + dx] = 200;
    }
    const r = f.find(px);
    expect(r.nSpots).toBe(5);
    expect(r.spots.count).toBe(2);
    expect(r.spots.overflow).toBe(3);
    expect(r.spots.x(0)).toBeCloseTo(11, 6); // 2x2 block at 10..11 -> centroid 11.0 in (i + 0.5) convention
  });
});
