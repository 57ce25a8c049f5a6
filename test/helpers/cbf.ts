// Reader for PILATUS/EIGER miniCBF frames (the real reference frames in ../shared/data):
// parses the "PILATUS_1.2" header and decodes the x-CBF_BYTE_OFFSET pixel compression.
// .bz2 files are decompressed with the system `bzip2 -dc`, .gz with node's zlib.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DetectorGeometry } from '../../src/stages/geometry/DetectorGeometry.js';

export interface CbfFrame {
  width: number;
  height: number;
  pixels: Int32Array;
  /** Header values (PILATUS_1.2 convention); NaN when absent. */
  pixelSizeX: number; // metres
  pixelSizeY: number;
  wavelength: number; // angstrom
  distance: number; // metres
  beamX: number; // pixels, fast
  beamY: number; // pixels, slow
  countCutoff: number;
  detector: string;
}

/** The experiment geometry a frame's header gives. */
export function cbfGeometry(frame: CbfFrame): DetectorGeometry {
  return new DetectorGeometry({
    width: frame.width,
    height: frame.height,
    beamCenterX: frame.beamX,
    beamCenterY: frame.beamY,
    distance: frame.distance,
    wavelength: frame.wavelength,
    pixelSizeX: frame.pixelSizeX,
    pixelSizeY: frame.pixelSizeY,
  });
}

/** The shared data folder (../shared/data from the project root), or null when absent. Works
 * from test/helpers and from its compiled copy in dist/test/helpers (used by the benchmarks). */
export function sharedDataDir(): string | null {
  let root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  if (!existsSync(resolve(root, 'package.json'))) root = resolve(root, '..');
  const dir = resolve(root, '..', 'shared', 'data');
  return existsSync(dir) ? dir : null;
}

export function readCompressedFile(path: string): Buffer {
  if (path.endsWith('.bz2')) {
    const r = spawnSync('bzip2', ['-dc', path], { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`bzip2 -dc ${path} failed: ${r.stderr?.toString() ?? r.error?.message}`);
    return r.stdout;
  }
  if (path.endsWith('.gz')) return gunzipSync(readFileSync(path));
  return readFileSync(path);
}

export function readCbf(path: string): CbfFrame {
  return parseCbf(readCompressedFile(path), path);
}

const BINARY_START = Buffer.from([0x0c, 0x1a, 0x04, 0xd5]);

export function parseCbf(buf: Buffer, what = 'CBF'): CbfFrame {
  const start = buf.indexOf(BINARY_START);
  if (start < 0) throw new Error(`${what}: no CBF binary section marker`);
  const header = buf.subarray(0, start).toString('latin1');
  const field = (re: RegExp): string | undefined => re.exec(header)?.[1];
  const num = (re: RegExp): number => {
    const v = field(re);
    return v === undefined ? NaN : Number(v);
  };
  const width = num(/X-Binary-Size-Fastest-Dimension:\s*(\d+)/);
  const height = num(/X-Binary-Size-Second-Dimension:\s*(\d+)/);
  const n = num(/X-Binary-Number-of-Elements:\s*(\d+)/);
  const size = num(/X-Binary-Size:\s*(\d+)/);
  if (!(width > 0 && height > 0) || n !== width * height)
    throw new Error(`${what}: bad dimensions ${width}x${height} (${n} elements)`);
  if (!/x-CBF_BYTE_OFFSET/.test(header)) throw new Error(`${what}: only x-CBF_BYTE_OFFSET is supported`);
  if (!/signed 32-bit integer/.test(header)) throw new Error(`${what}: only signed 32-bit elements are supported`);
  const data = buf.subarray(start + 4, start + 4 + (Number.isFinite(size) ? size : buf.length));
  const pixels = decodeByteOffset(data, n, what);
  const pix = /Pixel_size\s+([\d.eE+-]+)\s*m\s*x\s*([\d.eE+-]+)\s*m/.exec(header);
  const beam = /Beam_xy\s*\(\s*([\d.eE+-]+)\s*,\s*([\d.eE+-]+)\s*\)/.exec(header);
  return {
    width,
    height,
    pixels,
    pixelSizeX: pix ? Number(pix[1]) : NaN,
    pixelSizeY: pix ? Number(pix[2]) : NaN,
    wavelength: num(/Wavelength\s+([\d.eE+-]+)\s*A/),
    distance: num(/Detector_distance\s+([\d.eE+-]+)\s*m/),
    beamX: beam ? Number(beam[1]) : NaN,
    beamY: beam ? Number(beam[2]) : NaN,
    countCutoff: num(/Count_cutoff\s+(\d+)/),
    detector: field(/# Detector:\s*([^\r\n]*)/)?.trim() ?? '',
  };
}

/** CBF byte-offset: each value is the previous plus a delta stored as int8, escaping to int16, int32, int64. */
export function decodeByteOffset(src: Uint8Array, n: number, what = 'CBF'): Int32Array {
  const out = new Int32Array(n);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  let pos = 0;
  let value = 0;
  for (let i = 0; i < n; i++) {
    if (pos >= src.length) throw new Error(`${what}: byte-offset data ends after ${i} of ${n} values`);
    let delta = view.getInt8(pos);
    pos += 1;
    if (delta === -128) {
      if (pos + 2 > src.length) throw new Error(`${what}: truncated int16 delta`);
      delta = view.getInt16(pos, true);
      pos += 2;
      if (delta === -32768) {
        if (pos + 4 > src.length) throw new Error(`${what}: truncated int32 delta`);
        delta = view.getInt32(pos, true);
        pos += 4;
        if (delta === -2147483648) {
          if (pos + 8 > src.length) throw new Error(`${what}: truncated int64 delta`);
          delta = Number(view.getBigInt64(pos, true));
          pos += 8;
        }
      }
    }
    value += delta;
    out[i] = value;
  }
  return out;
}

/** Module layouts (module size and gap, fast/slow) of the detectors our reference frames come from. */
const MODULE_LAYOUTS = [
  { name: 'PILATUS', mx: 487, my: 195, gx: 7, gy: 17 },
  { name: 'EIGER', mx: 1030, my: 514, gx: 10, gy: 37 },
  { name: 'EIGER (DLS I04 16M)', mx: 1028, my: 512, gx: 12, gy: 38 },
] as const;

export interface ModuleRect {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** The detector modules as rectangles, for a frame whose size matches a known layout; else one module. */
export function detectorModules(width: number, height: number): ModuleRect[] {
  for (const l of MODULE_LAYOUTS) {
    const nx = Math.round((width + l.gx) / (l.mx + l.gx));
    const ny = Math.round((height + l.gy) / (l.my + l.gy));
    if (nx * l.mx + (nx - 1) * l.gx !== width || ny * l.my + (ny - 1) * l.gy !== height) continue;
    const rects: ModuleRect[] = [];
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++)
        rects.push({ x0: i * (l.mx + l.gx), y0: j * (l.my + l.gy), width: l.mx, height: l.my });
    }
    return rects;
  }
  return [{ x0: 0, y0: 0, width, height }];
}

/** Static valid-pixel mask (1 = use): inside a module. Per-frame value checks (gaps -1, dead -2,
 * overloads) are done by the spot finders from their trusted range. */
export function moduleMask(width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const m of detectorModules(width, height)) {
    for (let y = m.y0; y < m.y0 + m.height; y++) mask.fill(1, y * width + m.x0, y * width + m.x0 + m.width);
  }
  return mask;
}
