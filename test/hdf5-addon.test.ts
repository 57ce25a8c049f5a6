// The HDF5 addon's primitives (native/hdf5/, src/native/hdf5Addon.ts), read back by h5py +
// hdf5plugin: exclusive creation, errors that name the path, attribute and dataset types, direct
// chunk writes that store real detector blobs byte for byte under filter 32008 with the five
// parameters, and virtual datasets that resolve their sources from another working directory.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { HDF5_ERROR_CODES, HDF5_FUNCTIONS, hdf5Addon, type H5File } from '../src/native/hdf5Addon.js';
import { sharedDataDir } from './helpers/cbf.js';
import { h5pyMissing, inspectStack, readNodes, sha256 } from './helpers/hitFiles.js';
import { tempDirs } from './helpers/tempDirs.js';

const h5 = hdf5Addon();
const tempDir = tempDirs('hdf5-addon-');
const noH5py = h5pyMissing();
if (noH5py) console.warn(`hdf5-addon: ${noH5py}; read-back checks skipped`);
const data = sharedDataDir();
if (!data) console.warn('hdf5-addon: ../shared/data missing; real-blob checks skipped');

const golden = JSON.parse(readFileSync(new URL('./goldens/codec/real-frames.json', import.meta.url), 'utf8')) as Record<
  string,
  { chunkOffset?: number; chunkSize?: number; blobSha256: string; sha256: string }
>;

/** Runs `fill` on a new file and closes it; returns its path. */
function withFile(path: string, fill: (f: H5File) => void): string {
  const f = h5.createFile(path);
  fill(f);
  h5.closeFile(f);
  return path;
}

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    return { code: String((err as { code?: unknown }).code), message: (err as Error).message };
  }
  throw new Error('expected an error');
}

describe('sp_hdf5: surface and errors', () => {
  it('exports exactly the functions src/native/hdf5Addon.ts declares, and its error codes', () => {
    const exported = Object.entries(h5 as unknown as Record<string, unknown>)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k);
    expect(exported.sort()).toEqual([...HDF5_FUNCTIONS].sort());
    expect(h5.hdf5Version()).toMatch(/^1\.\d+\.\d+$/);
    expect([...h5.errorCodes()].sort()).toEqual([...HDF5_ERROR_CODES].sort());
    const dir = new URL('../native/hdf5/', import.meta.url).pathname;
    const named = new Set<string>();
    for (const file of readdirSync(dir)) {
      for (const m of readFileSync(dir + file, 'utf8').matchAll(/"((?:ERR|E)[A-Z0-9_]+)"/g)) named.add(m[1]!);
    }
    const declared = new Set<string>(HDF5_ERROR_CODES);
    expect([...named].filter((c) => !declared.has(c))).toEqual([]);
  });

  it('never truncates: creating an existing file throws EEXIST naming it and leaves it as it was', () => {
    const path = join(tempDir(), 'taken.h5');
    writeFileSync(path, 'not yours');
    const e = codeOf(() => h5.createFile(path));
    expect(e.code).toBe('EEXIST');
    expect(e.message).toContain(`cannot create ${path}`);
    expect(readFileSync(path, 'utf8')).toBe('not yours');
  });

  it('names the path and the errno when the directory is missing or is a file', () => {
    const dir = tempDir();
    const missing = join(dir, 'nope', 'x.h5');
    const e1 = codeOf(() => h5.createFile(missing));
    expect(e1.code).toBe('ENOENT');
    expect(e1.message).toMatch(new RegExp(`^cannot create ${missing}: .*No such file or directory`));
    writeFileSync(join(dir, 'plain'), '');
    const underFile = join(dir, 'plain', 'x.h5');
    const e2 = codeOf(() => h5.createFile(underFile));
    expect(e2.code).toBe('ENOTDIR');
    expect(e2.message).toContain(underFile);
  });

  it('refuses closed handles, foreign values and files with open objects, naming them', () => {
    const path = join(tempDir(), 'h.h5');
    const f = h5.createFile(path);
    const g = h5.createGroup(f, 'entry');
    const e = codeOf(() => h5.closeFile(f));
    expect(e.code).toBe('ERR_HDF5');
    expect(e.message).toContain(`cannot close ${path}`);
    expect(codeOf(() => h5.createGroup(f, 'entry')).message).toContain(`/entry in ${path}`);
    h5.closeObject(g);
    expect(h5.isOpen(g)).toBe(false);
    expect(codeOf(() => h5.setAttribute(g, 'a', 1)).code).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => h5.closeFile({} as H5File)).code).toBe('ERR_INVALID_ARG');
    expect(codeOf(() => h5.writeChunk(g as never, 0, new Uint8Array(20))).code).toBe('ERR_INVALID_ARG');
    h5.closeFile(f);
    expect(h5.isOpen(f)).toBe(false);
  });

  it('discardFile closes a file and its open objects without writing more to it', () => {
    const path = join(tempDir(), 'd.h5');
    const f = h5.createFile(path);
    const g = h5.createGroup(f, 'entry');
    const s = h5.createImageStack(g, 'data', 4, 4, 'uint16');
    h5.writeChunk(s, 0, nativeCodec().encodeBslz4(new Uint16Array(16), 2));
    const before = readFileSync(path);
    h5.discardFile(f);
    expect(h5.isOpen(f)).toBe(false);
    expect(readFileSync(path)).toEqual(before);
    expect(codeOf(() => h5.closeFile(f)).code).toBe('ERR_INVALID_ARG');
  });
});

describe.skipIf(noH5py !== null)('sp_hdf5: what h5py reads back', () => {
  it('writes attributes and datasets with their types, shapes and compression', () => {
    const path = withFile(join(tempDir(), 'types.h5'), (f) => {
      const g = h5.createGroup(f, 'entry');
      h5.setAttribute(g, 'NX_class', 'NXentry');
      h5.setAttribute(g, 'vector', Float64Array.of(0, 0, 1));
      h5.setAttribute(g, 'count', Int32Array.of(7), []);
      h5.setAttribute(g, 'names', ['a', 'bé']);
      h5.setAttribute(f, 'root_attr', 2.5);
      const d = h5.writeDataset(g, 'distance', 0.125);
      h5.setAttribute(d, 'units', 'm');
      h5.setAttribute(d, 'units', 'mm'); // replaced
      h5.closeObject(d);
      const mask = new Uint32Array(12 * 10).map((_, i) => (i % 7 === 0 ? 1 : 0));
      h5.closeObject(h5.writeDataset(g, 'mask', mask, { shape: [10, 12], gzip: 4 }));
      h5.closeObject(h5.writeDataset(g, 'big', BigInt64Array.of(2n ** 40n), { shape: [] }));
      h5.closeObject(h5.writeDataset(g, 'text', 'NXmx'));
      h5.closeObject(h5.writeDataset(g, 'empty', new Float32Array(0), { shape: [0, 4] }));
      expect(codeOf(() => h5.writeDataset(g, 'bad', new Uint8Array(5), { shape: [2, 2] })).code).toBe(
        'ERR_SIZE_MISMATCH',
      );
      h5.closeObject(g);
    });
    const n = readNodes(path, [
      '/',
      '/entry',
      '/entry/distance',
      '/entry/mask',
      '/entry/big',
      '/entry/text',
      '/entry/empty',
    ]);
    expect(n['/']!.attrs).toEqual({ root_attr: 2.5 });
    expect(n['/entry']!.attrs).toEqual({ NX_class: 'NXentry', vector: [0, 0, 1], count: 7, names: ['a', 'bé'] });
    expect(n['/entry/distance']).toMatchObject({ value: 0.125, dtype: 'float64', shape: [], attrs: { units: 'mm' } });
    const mask = n['/entry/mask']!;
    expect([mask.dtype, mask.shape]).toEqual(['uint32', [10, 12]]);
    expect((mask.value as number[][]).flat().filter((v) => v === 1).length).toBe(18);
    expect(n['/entry/big']).toMatchObject({ value: 2 ** 40, dtype: 'int64', shape: [] });
    expect(n['/entry/text']!.value).toBe('NXmx');
    expect(n['/entry/empty']).toMatchObject({ dtype: 'float32', shape: [0, 4] });
  });

  it('stores our encoder’s chunks byte for byte, filter 32008 with (0, 3, elemSize, 0, 2), for uint8/16/32', () => {
    const codec = nativeCodec();
    for (const [dtype, Ctor, elem] of [
      ['uint8', Uint8Array, 1],
      ['uint16', Uint16Array, 2],
      ['uint32', Uint32Array, 4],
    ] as const) {
      const [ny, nx] = [37, 53];
      const frames = [0, 1, 2].map((k) => new Ctor(ny * nx).map((_, i) => (i * (k + 3)) % 251));
      const blobs = frames.map((p) => codec.encodeBslz4(p, elem));
      const path = withFile(join(tempDir(), `${dtype}.h5`), (f) => {
        const s = h5.createImageStack(f, 'stack', ny, nx, dtype);
        blobs.forEach((b, i) => h5.writeChunk(s, i, b));
        h5.closeObject(s);
      });
      const info = inspectStack(path, '/stack');
      expect([info.shape, info.dtype, info.virtual]).toEqual([[3, ny, nx], dtype, false]);
      expect(info.filters).toEqual([[32008, 1, [0, 3, elem, 0, 2]]]);
      expect(info.chunks).toEqual(blobs.map(sha256));
      expect(info.chunkMasks).toEqual([0, 0, 0]);
      expect(info.frames).toEqual(frames.map(sha256));
    }
  });

  it.skipIf(!data)(
    'stores the real 4M uint32 and 16M uint16 detector blobs byte for byte; h5py decodes the known pixels',
    () => {
      const g4 = golden['hdf5plugin_bitshuffle_h5']!;
      const g16 = golden['tickit_v2_frame_sample']!;
      const file4 = readFileSync(join(data!, 'hdf5plugin', 'bitshuffle.h5'));
      const blob4 = file4.subarray(g4.chunkOffset!, g4.chunkOffset! + g4.chunkSize!);
      const blob16 = readFileSync(join(data!, 'captures', 'tickit_v2_eiger2_16m', 'frame_sample'));
      expect([sha256(blob4), sha256(blob16)]).toEqual([g4.blobSha256, g16.blobSha256]);
      const path = withFile(join(tempDir(), 'real.h5'), (f) => {
        const a = h5.createImageStack(f, 'eiger4m', 2167, 2070, 'uint32');
        h5.writeChunk(a, 1, blob4); // out of order: frame 1 first, grows the stack to 2
        h5.writeChunk(a, 0, blob4);
        h5.closeObject(a);
        const b = h5.createImageStack(f, 'eiger16m', 4362, 4148, 'uint16');
        h5.writeChunk(b, 0, blob16);
        h5.closeObject(b);
      });
      const a = inspectStack(path, '/eiger4m');
      expect(a.filters).toEqual([[32008, 1, [0, 3, 4, 0, 2]]]);
      expect(a.chunks).toEqual([g4.blobSha256, g4.blobSha256]);
      expect(a.frames).toEqual([g4.sha256, g4.sha256]);
      const b = inspectStack(path, '/eiger16m');
      expect([b.shape, b.filters]).toEqual([[1, 4362, 4148], [[32008, 1, [0, 3, 2, 0, 2]]]]);
      expect([b.chunks, b.frames]).toEqual([[g16.blobSha256], [g16.sha256]]);
    },
  );

  it('a virtual dataset over two files reads as their concatenation, from another directory and after a move', () => {
    const dir = join(tempDir(), 'run');
    mkdirSync(dir);
    const codec = nativeCodec();
    const [ny, nx] = [16, 24];
    const frames = [0, 1, 2, 3, 4].map((k) => new Uint16Array(ny * nx).map((_, i) => i * 7 + k));
    const parts = [frames.slice(0, 3), frames.slice(3)];
    parts.forEach((part, n) =>
      withFile(join(dir, `part${n}.h5`), (f) => {
        const s = h5.createImageStack(f, 'data', ny, nx, 'uint16');
        part.forEach((p, i) => h5.writeChunk(s, i, codec.encodeBslz4(p, 2)));
        h5.closeObject(s);
      }),
    );
    withFile(join(dir, 'all.h5'), (f) => {
      const sources = parts.map((part, n) => ({
        file: `part${n}.h5`,
        dataset: '/data',
        sourceDims: [part.length, ny, nx],
        start: [n * 3, 0, 0],
        count: [part.length, ny, nx],
      }));
      h5.closeObject(h5.createVirtualDataset(f, 'data', 'uint16', [5, ny, nx], sources));
      // A region narrower than the virtual dataset ('.': this file): the rest reads as the fill value.
      h5.closeObject(h5.writeDataset(f, 'src2d', Uint16Array.of(1, 2, 3, 4, 5, 6), { shape: [3, 2] }));
      const narrow = { file: '.', dataset: '/src2d', sourceDims: [3, 2], start: [0, 1], count: [3, 2] };
      h5.closeObject(h5.createVirtualDataset(f, 'narrow', 'uint16', [3, 4], [narrow], 9));
    });
    const expected = frames.map(sha256);
    const info = inspectStack(join(dir, 'all.h5'), '/data', '/');
    expect(info.virtual).toBe(true);
    expect(info.sources).toEqual([
      ['part0.h5', '/data'],
      ['part1.h5', '/data'],
    ]);
    expect(info.frames).toEqual(expected);
    expect(readNodes(join(dir, 'all.h5'), ['/narrow'])['/narrow']!.value).toEqual([
      [9, 1, 2, 9],
      [9, 3, 4, 9],
      [9, 5, 6, 9],
    ]);
    const moved = join(tempDir(), 'moved');
    renameSync(dir, moved);
    expect(existsSync(dir)).toBe(false);
    expect(inspectStack(join(moved, 'all.h5'), '/data', '/tmp').frames).toEqual(expected);
  });
});
