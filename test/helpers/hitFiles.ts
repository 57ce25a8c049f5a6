// Shared pieces of the hit-file tests (test/hdf5-*.test.ts): a series description, frames made
// with the project's own bslz4 encoder, and a reader that asks /usr/bin/python3 + h5py +
// hdf5plugin (independent of our addon) what a file holds, as JSON.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { nativeCodec } from '../../src/codec/nativeCodec.js';
import type { HitFileSeries, HitFrame, HitFrameResult } from '../../src/sinks/hdf5/NxmxSeriesWriter.js';
import { seededRandom } from './seededRandom.js';

export { h5pyMissing } from './h5frames.js';

export const PYTHON = '/usr/bin/python3';

export type Pixels = Uint8Array | Uint16Array | Uint32Array;

export const sha256 = (bytes: ArrayBufferView): string =>
  createHash('sha256')
    .update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    .digest('hex');

/** A series of small uint16 frames in `directory`; fields can be overridden. */
export function testSeries(directory: string, overrides: Partial<HitFileSeries> = {}): HitFileSeries {
  const width = overrides.width ?? 96;
  const height = overrides.height ?? 80;
  return {
    directory,
    prefix: 'hits',
    framesPerFile: 3,
    series: 4,
    seriesUniqueId: 'series-uid-4',
    width,
    height,
    dtype: 'uint16',
    beamCenterX: 47.25,
    beamCenterY: 39.5,
    distance: 0.125,
    wavelength: 0.9762,
    pixelSizeX: 75e-6,
    pixelSizeY: 75e-6,
    countTime: 0.0099,
    frameTime: 0.01,
    saturationValue: 60000,
    sensorMaterial: 'Si',
    sensorThickness: 450e-6,
    detectorDescription: 'Dectris EIGER2 test',
    detectorSerialNumber: 'E-00-0000',
    pixelMask: null,
    channel: 'threshold_1',
    startedAt: Date.UTC(2024, 4, 1, 12, 0, 0),
    ...overrides,
  };
}

const ELEM = { uint8: 1, uint16: 2, uint32: 4 } as const;

/** Deterministic noisy pixels with a few bright blobs. */
export function syntheticPixels(series: HitFileSeries, seed: number): Pixels {
  const n = series.width * series.height;
  const pixels =
    series.dtype === 'uint8' ? new Uint8Array(n) : series.dtype === 'uint16' ? new Uint16Array(n) : new Uint32Array(n);
  const rnd = seededRandom(seed);
  for (let i = 0; i < n; i++) pixels[i] = Math.floor(rnd() * 4);
  for (let s = 0; s < 5; s++) {
    const x = 3 + Math.floor(rnd() * (series.width - 6));
    const y = 3 + Math.floor(rnd() * (series.height - 6));
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) pixels[(y + dy) * series.width + x + dx] = 200;
  }
  return pixels;
}

/** A plausible result for frame `image`: `spots` spots at known positions. */
export function testResult(image: number, spots: number): HitFrameResult {
  return {
    n_spots: spots,
    n_spots_no_ice: Math.max(0, spots - 1),
    n_spots_4A: Math.floor(spots / 2),
    d_min: spots > 0 ? 1.5 + image / 10 : null,
    hit: spots >= 2,
    flags: image % 3 === 0 ? ['ice-rings'] : image % 3 === 1 ? ['saturation', 'multiple-lattices'] : [],
    total_intensity: 1000 + image,
    spots: Array.from(
      { length: spots },
      (_, i) => [10.5 + i, 20.25 + 2 * i, 100 + image + i] as [number, number, number],
    ),
  };
}

/** A frame of `pixels`, compressed with the project's encoder. */
export function frameOf(series: HitFileSeries, image: number, pixels: Pixels, spots = image % 5): HitFrame {
  return {
    image,
    chunk: nativeCodec().encodeBslz4(pixels, ELEM[series.dtype]),
    startTime: image * 0.01,
    receivedAt: series.startedAt + image * 10,
    result: testResult(image, spots),
  };
}

export interface StackInfo {
  shape: number[];
  dtype: string;
  virtual: boolean;
  sources: [string, string][];
  filters: [number, number, number[]][];
  /** sha256 of each frame's pixels (little-endian bytes), read through HDF5 and the plugin. */
  frames: string[];
  /** sha256 of each frame's stored chunk, and its filter mask (not virtual). */
  chunks: string[];
  chunkMasks: number[];
  attrs: Record<string, unknown>;
}

const INSPECT = String.raw`
import hashlib, json, sys, h5py, hdf5plugin, numpy
path, name = sys.argv[1], sys.argv[2]
def plain(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, numpy.ndarray): return [plain(x) for x in v.tolist()]
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, numpy.generic): return v.item()
    return v
with h5py.File(path, "r") as f:
    d = f[name]
    out = dict(shape=list(d.shape), dtype=str(d.dtype), virtual=d.is_virtual, sources=[], filters=[], frames=[], chunks=[], chunkMasks=[],
               attrs={k: plain(v) for k, v in d.attrs.items()})
    if d.is_virtual:
        out["sources"] = [[s.file_name, s.dset_name] for s in d.virtual_sources()]
    else:
        pl = d.id.get_create_plist()
        out["filters"] = [list(pl.get_filter(i)[:3]) for i in range(pl.get_nfilters())]
    for i in range(d.shape[0]):
        a = d[i]
        out["frames"].append(hashlib.sha256(a.astype(a.dtype.newbyteorder("<")).tobytes()).hexdigest())
        if not d.is_virtual:
            mask, raw = d.id.read_direct_chunk((i,) + (0,) * (d.ndim - 1))
            out["chunks"].append(hashlib.sha256(raw).hexdigest())
            out["chunkMasks"].append(mask)
    print(json.dumps(out))
`;

/** What h5py reads from an image stack, from working directory `cwd` (default: a neutral one). */
export function inspectStack(path: string, dataset = '/entry/data/data', cwd = '/'): StackInfo {
  return runPython(INSPECT, [path, dataset], cwd) as StackInfo;
}

const READ = String.raw`
import json, math, sys, h5py, hdf5plugin, numpy
path = sys.argv[1]
def plain(v):
    if isinstance(v, bytes): return v.decode()
    if isinstance(v, numpy.ndarray): return [plain(x) for x in v.tolist()]
    if isinstance(v, list): return [plain(x) for x in v]
    if isinstance(v, float) and math.isnan(v): return None
    if isinstance(v, numpy.generic): return plain(v.item())
    return v
out = {}
with h5py.File(path, "r") as f:
    for name in sys.argv[2:]:
        o = f.get(name)
        if o is None:
            out[name] = None
        elif isinstance(o, h5py.Dataset):
            out[name] = dict(value=plain(o[()]), dtype=str(o.dtype), shape=list(o.shape),
                             attrs={k: plain(v) for k, v in o.attrs.items()})
        else:
            out[name] = dict(keys=sorted(o.keys()), attrs={k: plain(v) for k, v in o.attrs.items()})
print(json.dumps(out))
`;

export interface H5Node {
  value?: unknown;
  /** numpy's name ("uint16", "float32", "object" for strings) and shape ([] for scalars). */
  dtype?: string;
  shape?: number[];
  keys?: string[];
  attrs: Record<string, unknown>;
}

/** Values (NaN as null) and attributes of datasets, or keys and attributes of groups; null when absent. */
export function readNodes(path: string, names: string[], cwd = '/'): Record<string, H5Node | null> {
  return runPython(READ, [path, ...names], cwd) as Record<string, H5Node | null>;
}

export function runPython(script: string, args: string[], cwd = '/'): unknown {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0)
    throw new Error(`${PYTHON} failed (${args.join(' ')}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout);
}
