// Minimal TIFF reader for test images: first image only, uncompressed strips, one sample per
// pixel, int32 / uint32 / uint16 / int16 / uint8 / float32, little- or big-endian.
import { readFileSync } from 'node:fs';

export type TiffPixels = Int32Array | Uint32Array | Uint16Array | Int16Array | Uint8Array | Float32Array;

export interface TiffImage {
  width: number;
  height: number;
  pixels: TiffPixels;
}

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  sampleFormat: 339,
} as const;

const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 16: 8 };

export function readTiff(path: string): TiffImage {
  return decodeTiff(readFileSync(path), path);
}

export function decodeTiff(buf: Uint8Array, what = 'TIFF'): TiffImage {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const order = String.fromCharCode(buf[0] ?? 0, buf[1] ?? 0);
  if (order !== 'II' && order !== 'MM')
    throw new Error(`${what}: not a TIFF (byte order mark ${JSON.stringify(order)})`);
  const le = order === 'II';
  const need = (off: number, n: number): void => {
    if (off < 0 || off + n > buf.byteLength) throw new Error(`${what}: truncated at byte ${off}`);
  };
  const u16 = (o: number): number => (need(o, 2), view.getUint16(o, le));
  const u32 = (o: number): number => (need(o, 4), view.getUint32(o, le));
  if (u16(2) !== 42) throw new Error(`${what}: not a classic TIFF (magic ${u16(2)})`);
  const ifd = u32(4);
  const entries = u16(ifd);
  const tags = new Map<number, number[]>();
  for (let k = 0; k < entries; k++) {
    const e = ifd + 2 + k * 12;
    const tag = u16(e);
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = TYPE_SIZE[type];
    if (size === undefined) continue; // rational, ascii...: not needed here
    const inline = size * count <= 4;
    const base = inline ? e + 8 : u32(e + 8);
    const values: number[] = [];
    for (let c = 0; c < count; c++) {
      const o = base + c * size;
      values.push(size === 1 ? (need(o, 1), buf[o]!) : size === 2 ? u16(o) : u32(o));
    }
    tags.set(tag, values);
  }
  const one = (tag: number, dflt?: number): number => {
    const v = tags.get(tag)?.[0] ?? dflt;
    if (v === undefined) throw new Error(`${what}: missing TIFF tag ${tag}`);
    return v;
  };
  const width = one(TAG.width);
  const height = one(TAG.height);
  const bits = one(TAG.bitsPerSample, 1);
  const format = one(TAG.sampleFormat, 1); // 1 unsigned, 2 signed, 3 float
  if (one(TAG.compression, 1) !== 1)
    throw new Error(`${what}: compressed TIFF (compression ${one(TAG.compression)}) is not supported`);
  if (one(TAG.samplesPerPixel, 1) !== 1) throw new Error(`${what}: only one sample per pixel is supported`);
  const offsets = tags.get(TAG.stripOffsets);
  const counts = tags.get(TAG.stripByteCounts);
  if (!offsets || !counts || offsets.length !== counts.length) throw new Error(`${what}: bad strip tables`);
  const bytesPer = bits / 8;
  const total = width * height * bytesPer;
  const raw = new Uint8Array(total);
  let at = 0;
  for (let s = 0; s < offsets.length && at < total; s++) {
    const n = Math.min(counts[s]!, total - at);
    need(offsets[s]!, n);
    raw.set(buf.subarray(offsets[s]!, offsets[s]! + n), at);
    at += n;
  }
  if (at !== total) throw new Error(`${what}: strips hold ${at} bytes, the image needs ${total}`);
  return { width, height, pixels: toPixels(raw, bits, format, le, what) };
}

function toPixels(raw: Uint8Array, bits: number, format: number, le: boolean, what: string): TiffPixels {
  const v = new DataView(raw.buffer);
  const n = raw.byteLength / (bits / 8);
  const fill = <T extends TiffPixels>(out: T, get: (o: number) => number): T => {
    for (let i = 0; i < n; i++) out[i] = get(i * (bits / 8));
    return out;
  };
  if (bits === 8 && format === 1) return raw;
  if (bits === 16 && format === 1) return fill(new Uint16Array(n), (o) => v.getUint16(o, le));
  if (bits === 16 && format === 2) return fill(new Int16Array(n), (o) => v.getInt16(o, le));
  if (bits === 32 && format === 1) return fill(new Uint32Array(n), (o) => v.getUint32(o, le));
  if (bits === 32 && format === 2) return fill(new Int32Array(n), (o) => v.getInt32(o, le));
  if (bits === 32 && format === 3) return fill(new Float32Array(n), (o) => v.getFloat32(o, le));
  throw new Error(`${what}: unsupported sample type (${bits} bits, format ${format})`);
}

/** Flips an image upside down (row 0 becomes the last row), as Dioptas does on loading. */
export function flipVertical<T extends TiffPixels>(img: { width: number; height: number; pixels: T }): T {
  const { width, height, pixels } = img;
  const out = new (pixels.constructor as { new (n: number): T })(pixels.length);
  for (let y = 0; y < height; y++) out.set(pixels.subarray((height - 1 - y) * width, (height - y) * width), y * width);
  return out;
}
