// The NXmx series writer (src/sinks/hdf5/), files read back by h5py + hdf5plugin: data files of
// framesPerFile frames holding the detector's chunks byte for byte, per-frame image numbers and
// results in every file, CXI peaks, the master's virtual stack equal to the written frames across
// the data files (read from another directory, and after the directory moved), the metadata,
// the CrystFEL geometry, the records, and refusals (taken prefix, bad frames, writes after finish).
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePrefix, NxmxSeriesWriter, type FileRecord } from '../src/sinks/hdf5/NxmxSeriesWriter.js';
import { sharedDataDir } from './helpers/cbf.js';
import {
  frameOf,
  h5pyMissing,
  inspectStack,
  readNodes,
  sha256,
  syntheticPixels,
  testResult,
  testSeries,
  type Pixels,
} from './helpers/hitFiles.js';
import { tempDirs } from './helpers/tempDirs.js';

const tempDir = tempDirs('hdf5-writer-');
const noH5py = h5pyMissing();
if (noH5py) console.warn(`hdf5-writer: ${noH5py}; read-back checks skipped`);
const data = sharedDataDir();

const IMAGES = [3, 7, 8, 15, 20, 21, 30, 44];
const SPOTS = [0, 4, 1, 2, 7, 0, 3, 5];

interface Written {
  dir: string;
  pixels: Pixels[];
  chunks: Uint8Array[];
  records: FileRecord[][];
  final: FileRecord[];
}

function writeSeries(): Written {
  const dir = tempDir();
  const series = testSeries(dir, { pixelMask: new Uint32Array(96 * 80).map((_, i) => (i % 96 === 0 ? 1 : 0)) });
  const writer = new NxmxSeriesWriter(series);
  const pixels: Pixels[] = [];
  const chunks: Uint8Array[] = [];
  const records: FileRecord[][] = [];
  IMAGES.forEach((image, i) => {
    const p = syntheticPixels(series, image);
    const frame = frameOf(series, image, p, SPOTS[i]);
    pixels.push(p);
    chunks.push(frame.chunk);
    records.push(writer.write(frame));
  });
  expect(writer.frames).toBe(8);
  const final = writer.finish(series.startedAt + 5000);
  return { dir, pixels, chunks, records, final };
}

/** The names in a directory, sorted, as one string. */
const files = (dir: string): string => readdirSync(dir).sort().join(' ');
const dataFile = (dir: string, n: number) => join(dir, `hits_data_00000${n}.h5`);

describe('NxmxSeriesWriter: files and records', () => {
  it('completes a data file every framesPerFile frames, then the last one, the master and the geometry', () => {
    const w = writeSeries();
    const rec = (kind: FileRecord['kind'], path: string, frames: number, first: number, last: number): FileRecord => ({
      type: 'file',
      kind,
      series: 4,
      path,
      frames,
      first_image: first,
      last_image: last,
    });
    expect(w.records.map((r) => r.length)).toEqual([0, 0, 1, 0, 0, 1, 0, 0]);
    expect(w.records[2]).toEqual([rec('data', dataFile(w.dir, 1), 3, 3, 8)]);
    expect(w.records[5]).toEqual([rec('data', dataFile(w.dir, 2), 3, 15, 21)]);
    expect(w.final).toEqual([
      rec('data', dataFile(w.dir, 3), 2, 30, 44),
      rec('master', join(w.dir, 'hits_master.h5'), 8, 3, 44),
      rec('geometry', join(w.dir, 'hits.geom'), 8, 3, 44),
    ]);
    expect(files(w.dir)).toBe('hits.geom hits_data_000001.h5 hits_data_000002.h5 hits_data_000003.h5 hits_master.h5');
  });

  it('refuses a taken prefix (while writing and after) and freePrefix gives the next free one', () => {
    const dir = tempDir();
    const first = new NxmxSeriesWriter(testSeries(dir));
    expect(readdirSync(dir)).toEqual(['hits_master.h5.tmp']);
    expect(() => new NxmxSeriesWriter(testSeries(dir))).toThrow(/prefix hits is taken in .*hits_master\.h5\.tmp/);
    expect(freePrefix(dir, 'hits')).toBe('hits_2');
    const s = testSeries(dir);
    first.write(frameOf(s, 0, syntheticPixels(s, 0)));
    first.finish(s.startedAt + 1);
    expect(() => new NxmxSeriesWriter(testSeries(dir))).toThrow(/prefix hits is taken/);
    const second = new NxmxSeriesWriter(testSeries(dir, { prefix: freePrefix(dir, 'hits') }));
    second.finish(s.startedAt + 2);
    expect(freePrefix(dir, 'hits')).toBe('hits_3');
    expect(freePrefix(dir, 'other')).toBe('other');
    expect(files(dir)).toBe('hits.geom hits_2.geom hits_2_master.h5 hits_data_000001.h5 hits_master.h5');
  });

  it('refuses bad frames without writing them, and writes after finish', () => {
    const dir = tempDir();
    const s = testSeries(dir);
    const w = new NxmxSeriesWriter(s);
    const good = frameOf(s, 1, syntheticPixels(s, 1));
    const wrongSize = frameOf(testSeries(dir, { width: 95 }), 2, syntheticPixels(testSeries(dir, { width: 95 }), 2));
    expect(() => w.write(wrongSize)).toThrow(
      /image 2: the chunk's header says 15200 bytes, a 96 x 80 uint16 frame is 15360/,
    );
    expect(() => w.write({ ...good, image: -1 })).toThrow(/bad image number/);
    expect(() => w.write({ ...good, chunk: new Uint8Array(8) })).toThrow(/bslz4 blob/);
    expect(() => w.write({ ...good, result: { ...good.result, n_spots: NaN } })).toThrow(/n_spots/);
    w.write(good);
    expect(w.frames).toBe(1);
    expect(w.finish(s.startedAt + 1).map((r) => r.frames)).toEqual([1, 1, 1]);
    expect(() => w.write(good)).toThrow(/the writer is finished/);
    expect(() => w.finish(0)).toThrow(/the writer is finished/);
  });

  it('refuses a directory that is relative, missing or a file, naming it', () => {
    const dir = tempDir();
    expect(() => new NxmxSeriesWriter(testSeries('relative/dir'))).toThrow(
      /directory relative\/dir must be an absolute path/,
    );
    expect(() => new NxmxSeriesWriter(testSeries(join(dir, 'missing')))).toThrow(
      new RegExp(`directory ${join(dir, 'missing')} cannot be used: ENOENT`),
    );
    expect(() => new NxmxSeriesWriter(testSeries(dir, { prefix: 'a/b' }))).toThrow(/must be a plain file name/);
  });

  it('writes the geometry file CrystFEL reads', () => {
    const w = writeSeries();
    const geom = readFileSync(join(w.dir, 'hits.geom'), 'utf8');
    for (const line of [
      'wavelength = 0.9762 A',
      'clen = 0.125 m',
      'dim0 = %',
      'dim1 = ss',
      'dim2 = fs',
      'data = /entry/data/data',
      'peak_list = /entry/result',
      'peak_list_type = cxi',
      'mask0_data = /entry/instrument/detector/pixel_mask',
      'panel0/max_fs = 95',
      'panel0/max_ss = 79',
      'panel0/corner_x = -47.25',
      'panel0/corner_y = -39.5',
    ]) {
      expect(geom.split('\n').map((l) => l.split(';')[0]!.trim())).toContain(line);
    }
    expect(geom).toMatch(/^res = 13333\.3333333\b/m);
  });
});

describe.skipIf(noH5py !== null)('NxmxSeriesWriter: what h5py reads back', () => {
  it('data files hold the chunks byte for byte, their positions and per-frame results', () => {
    const w = writeSeries();
    const split = [
      [0, 3],
      [3, 6],
      [6, 8],
    ];
    split.forEach(([a, b], n) => {
      const path = dataFile(w.dir, n + 1);
      const info = inspectStack(path);
      expect(info.shape).toEqual([b! - a!, 80, 96]);
      expect(info.filters).toEqual([[32008, 1, [0, 3, 2, 0, 2]]]);
      expect(info.chunks).toEqual(w.chunks.slice(a, b).map(sha256));
      expect(info.frames).toEqual(w.pixels.slice(a, b).map(sha256));
      expect(info.attrs).toEqual({ image_nr_low: a! + 1, image_nr_high: b! });
      const r = readNodes(path, ['/entry/result/image_number', '/entry/result/nPeaks', '/entry/data']);
      expect(r['/entry/result/image_number']!.value).toEqual(IMAGES.slice(a, b));
      expect(r['/entry/result/nPeaks']!.value).toEqual(SPOTS.slice(a, b));
      expect(r['/entry/data']!.attrs).toEqual({ NX_class: 'NXdata', signal: 'data' });
    });
  });

  it("the master's stack is the written frames across the data files, from another directory and after a move", () => {
    const w = writeSeries();
    const info = inspectStack(join(w.dir, 'hits_master.h5'), '/entry/data/data', '/');
    expect([info.virtual, info.shape, info.dtype]).toEqual([true, [8, 80, 96], 'uint16']);
    expect(info.sources).toEqual([1, 2, 3].map((n) => [`hits_data_00000${n}.h5`, '/entry/data/data']));
    expect(info.frames).toEqual(w.pixels.map(sha256));
    const moved = `${w.dir}-moved`;
    renameSync(w.dir, moved);
    try {
      expect(inspectStack(join(moved, 'hits_master.h5'), '/entry/data/data', '/tmp').frames).toEqual(
        w.pixels.map(sha256),
      );
    } finally {
      renameSync(moved, w.dir);
    }
  });

  it('the master has each frame’s image number, times, results, flags and CXI peaks', () => {
    const w = writeSeries();
    const names = [
      'image_number',
      'start_time',
      'received_at',
      'n_spots',
      'n_spots_no_ice',
      'n_spots_4A',
      'd_min',
      'hit',
      'flags',
      'total_intensity',
      'nPeaks',
      'peakXPosRaw',
      'peakYPosRaw',
      'peakTotalIntensity',
    ].map((n) => `/entry/result/${n}`);
    const r = readNodes(join(w.dir, 'hits_master.h5'), names);
    const v = (n: string) => r[`/entry/result/${n}`]!.value;
    const results = IMAGES.map((image, i) => testResult(image, SPOTS[i]!));
    expect(v('image_number')).toEqual(IMAGES);
    const s = testSeries(w.dir);
    expect(v('start_time')).toEqual(IMAGES.map((i) => i * 0.01));
    expect(v('received_at')).toEqual(IMAGES.map((i) => s.startedAt + i * 10));
    expect(v('n_spots')).toEqual(results.map((x) => x.n_spots));
    expect(v('n_spots_no_ice')).toEqual(results.map((x) => x.n_spots_no_ice));
    expect(v('n_spots_4A')).toEqual(results.map((x) => x.n_spots_4A));
    expect(v('d_min')).toEqual(results.map((x) => x.d_min));
    expect(v('hit')).toEqual(results.map((x) => (x.hit ? 1 : 0)));
    expect(v('total_intensity')).toEqual(results.map((x) => x.total_intensity));
    const flagNames = r['/entry/result/flags']!.attrs['flag_names'] as string[];
    expect(flagNames.slice(0, 3)).toEqual(['ice-rings', 'multiple-lattices', 'saturation']);
    const decoded = (v('flags') as number[]).map((bits) => flagNames.filter((_, b) => bits & (1 << b)).sort());
    expect(decoded).toEqual(results.map((x) => [...x.flags].sort()));
    expect(r['/entry/result/d_min']!.attrs['units']).toBe('angstrom');
    expect(v('nPeaks')).toEqual(SPOTS);
    const width = Math.max(...SPOTS);
    const xs = v('peakXPosRaw') as number[][];
    const ys = v('peakYPosRaw') as number[][];
    const is = v('peakTotalIntensity') as number[][];
    expect(r['/entry/result/peakXPosRaw']).toMatchObject({ dtype: 'float32', shape: [8, width] });
    results.forEach((res, f) => {
      const pad = (a: number[]) => [...a, ...new Array<number>(width - a.length).fill(0)];
      // CXI positions are pixel indices: DIALS's x - 0.5.
      expect(xs[f]).toEqual(pad(res.spots.map(([x]) => x - 0.5)));
      expect(ys[f]).toEqual(pad(res.spots.map(([, y]) => y - 0.5)));
      expect(is[f]).toEqual(pad(res.spots.map(([, , i]) => i)));
    });
  });

  it('the master holds the NXmx metadata', () => {
    const w = writeSeries();
    const d = '/entry/instrument/detector';
    const entry = '/entry /entry/definition /entry/start_time /entry/end_time /entry/sample/depends_on';
    const detector =
      'beam_center_x beam_center_y distance x_pixel_size sensor_material sensor_thickness saturation_value ' +
      'underload_value bit_depth_image count_time frame_time pixel_mask depends_on transformations/translation ' +
      'module/module_offset module/fast_pixel_direction module/data_size detectorSpecific/channel ' +
      'detectorSpecific/nimages detectorSpecific/series_unique_id';
    const r = readNodes(join(w.dir, 'hits_master.h5'), [
      ...entry.split(' '),
      '/entry/instrument/beam/incident_wavelength',
      ...detector.split(' ').map((n) => `${d}/${n}`),
    ]);
    const v = (n: string) => r[n]!.value;
    expect(r['/entry']!.attrs['NX_class']).toBe('NXentry');
    expect(r['/entry']!.keys!.join(' ')).toBe('data definition end_time instrument result sample start_time');
    expect(v('/entry/definition')).toBe('NXmx');
    expect(v('/entry/start_time')).toBe('2024-05-01T12:00:00.000Z');
    expect(v('/entry/end_time')).toBe('2024-05-01T12:00:05.000Z');
    expect(v('/entry/sample/depends_on')).toBe('.');
    expect(r['/entry/instrument/beam/incident_wavelength']).toMatchObject({
      value: 0.9762,
      attrs: { units: 'angstrom' },
    });
    expect([v(`${d}/beam_center_x`), v(`${d}/beam_center_y`), v(`${d}/distance`), v(`${d}/x_pixel_size`)]).toEqual([
      47.25, 39.5, 0.125, 75e-6,
    ]);
    expect([v(`${d}/sensor_material`), v(`${d}/sensor_thickness`), v(`${d}/saturation_value`)]).toEqual([
      'Si',
      450e-6,
      60000,
    ]);
    expect([v(`${d}/underload_value`), v(`${d}/bit_depth_image`), v(`${d}/count_time`), v(`${d}/frame_time`)]).toEqual([
      -1, 16, 0.0099, 0.01,
    ]);
    expect(r[`${d}/pixel_mask`]).toMatchObject({ dtype: 'uint32', shape: [80, 96] });
    expect((r[`${d}/pixel_mask`]!.value as number[][]).map((row) => row[0])).toEqual(new Array(80).fill(1));
    expect(v(`${d}/depends_on`)).toBe(`${d}/transformations/translation`);
    expect(r[`${d}/transformations/translation`]).toMatchObject({
      value: 125,
      attrs: { units: 'mm', transformation_type: 'translation', vector: [0, 0, 1], depends_on: '.' },
    });
    const offset = r[`${d}/module/module_offset`]!.attrs['offset'] as number[];
    expect(offset.map((x) => Number(x.toFixed(9)))).toEqual([3.54375, 2.9625, 0]);
    expect(r[`${d}/module/fast_pixel_direction`]).toMatchObject({
      value: 0.075,
      attrs: { vector: [-1, 0, 0], depends_on: `${d}/module/module_offset` },
    });
    expect(v(`${d}/module/data_size`)).toEqual([80, 96]);
    expect([v(`${d}/detectorSpecific/channel`), v(`${d}/detectorSpecific/nimages`)]).toEqual(['threshold_1', 8]);
    expect(v(`${d}/detectorSpecific/series_unique_id`)).toBe('series-uid-4');
  });

  it('an empty series gets a master with an empty stack', () => {
    const dir = tempDir();
    const w = new NxmxSeriesWriter(testSeries(dir, { dtype: 'uint32', pixelMask: null, saturationValue: null }));
    expect(w.finish(Date.UTC(2024, 4, 1, 12, 0, 1)).map((r) => [r.kind, r.frames, r.first_image])).toEqual([
      ['master', 0, null],
      ['geometry', 0, null],
    ]);
    const path = join(dir, 'hits_master.h5');
    expect(inspectStack(path).shape).toEqual([0, 80, 96]);
    const r = readNodes(path, ['/entry/result/nPeaks', '/entry/instrument/detector/saturation_value']);
    expect(r['/entry/result/nPeaks']!.shape).toEqual([0]);
    expect(r['/entry/instrument/detector/saturation_value']!.value).toBe(2 ** 32 - 2);
  });

  it.skipIf(!data)('real 4M uint32 frames across two data files read back as the known pixels', () => {
    const golden = JSON.parse(readFileSync(new URL('./goldens/codec/real-frames.json', import.meta.url), 'utf8')) as {
      hdf5plugin_bitshuffle_h5: { chunkOffset: number; chunkSize: number; blobSha256: string; sha256: string };
    };
    const g = golden.hdf5plugin_bitshuffle_h5;
    const blob = readFileSync(join(data!, 'hdf5plugin', 'bitshuffle.h5')).subarray(
      g.chunkOffset,
      g.chunkOffset + g.chunkSize,
    );
    const dir = tempDir();
    const s = testSeries(dir, {
      width: 2070,
      height: 2167,
      dtype: 'uint32',
      framesPerFile: 2,
      beamCenterX: 1035,
      beamCenterY: 1083,
    });
    const w = new NxmxSeriesWriter(s);
    for (const image of [5, 9, 12])
      w.write({ image, chunk: blob, startTime: null, receivedAt: 0, result: testResult(image, 2) });
    expect(w.finish(s.startedAt + 1).map((r) => r.kind)).toEqual(['data', 'master', 'geometry']);
    expect(existsSync(join(dir, 'hits_data_000002.h5'))).toBe(true);
    const info = inspectStack(join(dir, 'hits_master.h5'));
    expect(info.sources.length).toBe(2);
    expect(info.frames).toEqual([g.sha256, g.sha256, g.sha256]);
    expect(inspectStack(join(dir, 'hits_data_000002.h5')).chunks).toEqual([g.blobSha256]);
  });
});
