// DIALS reads the hit files: real PILATUS3 6M thaumatin stills (../shared/data, miniCBF) written
// as a hit series (uint32, the detector's pixel mask, two data files), then `dials.import` of the
// master gives exactly the written frames as stills with the written beam centre, distance and
// wavelength, and `dials.find_spots` finds the same spots per image as on the original CBF files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { NxmxSeriesWriter } from '../src/sinks/hdf5/NxmxSeriesWriter.js';
import { readCbf, sharedDataDir } from './helpers/cbf.js';
import { frameOf, PYTHON, runPython, syntheticPixels, testResult, testSeries } from './helpers/hitFiles.js';
import { tempDirs } from './helpers/tempDirs.js';

const tempDir = tempDirs('hdf5-dials-');
const data = sharedDataDir();
const FRAMES = ['thau_3_2_0002.cbf.bz2', 'thau_3_2_0015.cbf.bz2', 'thau_3_2_0016.cbf.bz2', 'thau_3_2_0003.cbf.bz2'];
const cbfDir = data ? join(data, 'dials_data_files') : '';
const haveData = data !== null && FRAMES.every((f) => existsSync(join(cbfDir, f)));
const haveDials =
  spawnSync('dials.import', ['--help'], { stdio: 'ignore' }).status === 0 &&
  spawnSync(PYTHON, ['-c', 'import dxtbx, dials'], { stdio: 'ignore' }).status === 0;
if (!haveData) console.warn('hdf5-dials: ../shared/data/dials_data_files (thaumatin CBFs) missing; skipped');
if (!haveDials) console.warn(`hdf5-dials: dials.import or dxtbx for ${PYTHON} missing; skipped`);

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} failed: ${(r.stdout + r.stderr).trim().split('\n').slice(-8).join('\n')}`,
    );
}

/** Per experiment: image count, beam centre (px), distance (mm), wavelength; spots per experiment. */
const SUMMARY = String.raw`
import json, sys
from dxtbx.model.experiment_list import ExperimentListFactory
from dials.array_family import flex
el = ExperimentListFactory.from_json_file(sys.argv[1], check_format=False)
out = []
for e in el:
    p = e.detector[0]
    bx, by = p.get_beam_centre_px(e.beam.get_s0())
    out.append(dict(images=len(e.imageset), beam=[bx, by], distance=p.get_distance(), wavelength=e.beam.get_wavelength(),
                    still=e.scan is None, trusted=list(p.get_trusted_range())))
counts = [0] * len(el)
if len(sys.argv) > 2:
    r = flex.reflection_table.from_file(sys.argv[2])
    for i in r["id"]:
        counts[i] += 1
print(json.dumps(dict(experiments=out, spots=counts)))
`;

interface Summary {
  experiments: {
    images: number;
    beam: [number, number];
    distance: number;
    wavelength: number;
    still: boolean;
    trusted: [number, number];
  }[];
  spots: number[];
}

describe.skipIf(!haveDials)('DIALS on synthetic hit files', () => {
  it('imports exactly the written frames as stills, with the written geometry', () => {
    const dir = tempDir();
    const series = testSeries(dir, { framesPerFile: 2 });
    const writer = new NxmxSeriesWriter(series);
    for (const image of [4, 9, 10, 17, 30]) writer.write(frameOf(series, image, syntheticPixels(series, image)));
    writer.finish(series.startedAt + 1);
    run('dials.import', [join(dir, 'hits_master.h5')], dir);
    const s = runPython(SUMMARY, [join(dir, 'imported.expt')]) as Summary;
    expect(s.experiments.map((e) => [e.still, e.images])).toEqual(new Array(5).fill([true, 1]));
    for (const e of s.experiments) {
      expect(e.beam[0]).toBeCloseTo(47.25, 6);
      expect(e.beam[1]).toBeCloseTo(39.5, 6);
      expect(e.distance).toBeCloseTo(125, 6);
      expect(e.wavelength).toBeCloseTo(0.9762, 9);
      expect(e.trusted[1]).toBe(60000);
    }
  }, 120_000);
});

describe.skipIf(!haveData || !haveDials)('DIALS on the hit files of real frames', () => {
  it('imports the master as the written stills and finds the same spots as on the original frames', () => {
    const dir = tempDir();
    const out = join(dir, 'hits');
    mkdirSync(out);
    const codec = nativeCodec();
    const frames = FRAMES.map((f) => readCbf(join(cbfDir, f)));
    const f0 = frames[0]!;
    const mask = new Uint32Array(f0.width * f0.height);
    for (let i = 0; i < mask.length; i++) mask[i] = f0.pixels[i]! < 0 ? 1 : 0; // gaps -1, dead -2
    const series = testSeries(out, {
      prefix: 'thau',
      framesPerFile: 2,
      width: f0.width,
      height: f0.height,
      dtype: 'uint32',
      beamCenterX: f0.beamX,
      beamCenterY: f0.beamY,
      distance: f0.distance,
      wavelength: f0.wavelength,
      pixelSizeX: f0.pixelSizeX,
      pixelSizeY: f0.pixelSizeY,
      saturationValue: f0.countCutoff,
      sensorThickness: 1e-3,
      detectorDescription: f0.detector,
      pixelMask: mask,
    });
    const writer = new NxmxSeriesWriter(series);
    const kinds: string[] = [];
    frames.forEach((f, i) => {
      // PILATUS int32 as the uint32 an EIGER would send (gaps become all-ones, masked).
      const pixels = new Uint32Array(f.pixels.buffer, f.pixels.byteOffset, f.pixels.length);
      const done = writer.write({
        image: 2 * i + 1,
        chunk: codec.encodeBslz4(pixels, 4),
        startTime: null,
        receivedAt: 0,
        result: testResult(i, 0),
      });
      kinds.push(...done.map((r) => r.kind));
    });
    kinds.push(...writer.finish(series.startedAt + 1000).map((r) => r.kind));
    expect(kinds).toEqual(['data', 'data', 'master', 'geometry']);

    const viaMaster = join(dir, 'master');
    const viaCbf = join(dir, 'cbf');
    mkdirSync(viaMaster);
    mkdirSync(viaCbf);
    run('dials.import', [join(out, 'thau_master.h5')], viaMaster);
    run('dials.find_spots', ['imported.expt', 'nproc=1'], viaMaster);
    run('dials.import', [...FRAMES.map((f) => join(cbfDir, f))], viaCbf);
    run('dials.find_spots', ['imported.expt', 'nproc=1'], viaCbf);
    const master = runPython(SUMMARY, [join(viaMaster, 'imported.expt'), join(viaMaster, 'strong.refl')]) as Summary;
    const cbf = runPython(SUMMARY, [join(viaCbf, 'imported.expt'), join(viaCbf, 'strong.refl')]) as Summary;

    expect(master.experiments.length).toBe(FRAMES.length);
    for (const e of master.experiments) {
      expect(e.still).toBe(true);
      expect(e.images).toBe(1);
      expect(e.beam[0]).toBeCloseTo(f0.beamX, 6);
      expect(e.beam[1]).toBeCloseTo(f0.beamY, 6);
      expect(e.distance).toBeCloseTo(f0.distance * 1000, 6);
      expect(e.wavelength).toBeCloseTo(f0.wavelength, 9);
    }
    console.log(
      `hdf5-dials: spots per image via the master ${master.spots.join(', ')}; via the CBFs ${cbf.spots.join(', ')}`,
    );
    // dials.import sorts the CBF files by name; the master keeps the order they were written in.
    const sorted = [...FRAMES].sort();
    expect(master.spots).toEqual(FRAMES.map((f) => cbf.spots[sorted.indexOf(f)]));
    expect(master.spots[0]).toBeGreaterThan(1000);
    expect(master.spots[2]).toBeLessThan(5);
  }, 300_000);
});
