// Reads frames from HDF5 files for tests through /usr/bin/python3 + h5py + hdf5plugin (the
// bitshuffle/LZ4 filter): Python dumps one frame little-endian to a temporary file, we read it back
// as a typed array. Tests skip with `h5pyMissing()`'s message when the tools are absent.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PYTHON = '/usr/bin/python3';

export type H5Pixels = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array;

export interface H5Frame {
  width: number;
  height: number;
  dtype: 'uint8' | 'uint16' | 'uint32' | 'int32' | 'float32';
  pixels: H5Pixels;
  /** Frames in the dataset. */
  frames: number;
}

const DUMP = String.raw`
import json, sys, numpy, h5py, hdf5plugin
path, name, index, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with h5py.File(path, "r") as f:
    ds = f[name]
    if ds.ndim != 3:
        raise SystemExit("dataset %s has %d dimensions, expected 3 (frame, slow, fast)" % (name, ds.ndim))
    if not 0 <= index < ds.shape[0]:
        raise SystemExit("frame %d out of range: %s has %d frames" % (index, name, ds.shape[0]))
    a = ds[index]
    a.astype(a.dtype.newbyteorder("<"), copy=False).tofile(out)
    print(json.dumps(dict(height=a.shape[0], width=a.shape[1], dtype=str(a.dtype), frames=ds.shape[0])))
`;

/** Why HDF5 frames cannot be read here, or null when they can. */
export function h5pyMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import h5py, hdf5plugin, numpy'], { encoding: 'utf8' });
  return r.status === 0
    ? null
    : `h5py/hdf5plugin not importable by ${PYTHON}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

/** Reads frame `index` of a (frames, slow, fast) dataset. */
export function readH5Frame(path: string, dataset = '/entry/data/data', index = 0): H5Frame {
  if (!existsSync(path)) throw new Error(`h5frames: no such file ${path}`);
  const dir = mkdtempSync(join(tmpdir(), 'h5frame-'));
  try {
    const out = join(dir, 'frame.raw');
    const r = spawnSync(PYTHON, ['-c', DUMP, path, dataset, String(index), out], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (r.status !== 0)
      throw new Error(
        `h5frames: reading ${path}:${dataset}[${index}] failed: ${r.stderr.trim().split('\n').pop() ?? ''}`,
      );
    const meta = JSON.parse(r.stdout) as { width: number; height: number; dtype: string; frames: number };
    const raw = readFileSync(out);
    const bytes = new Uint8Array(raw.byteLength);
    bytes.set(raw); // own, aligned buffer
    const ctor = {
      uint8: Uint8Array,
      uint16: Uint16Array,
      uint32: Uint32Array,
      int32: Int32Array,
      float32: Float32Array,
    }[meta.dtype];
    if (!ctor) throw new Error(`h5frames: unsupported dtype ${meta.dtype} in ${path}:${dataset}`);
    const pixels = new ctor(bytes.buffer, 0, meta.width * meta.height);
    return {
      width: meta.width,
      height: meta.height,
      dtype: meta.dtype as H5Frame['dtype'],
      pixels,
      frames: meta.frames,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
