// Stream V2 arrays: MultiDimArray (tag 40) around a TypedArray (RFC 8746 tags 64-87) whose byte
// string may be compressed (DECTRIS tag 56500). Frames keep their bytes as they came; header arrays
// (mask, flatfield, countrate table) are turned into native typed arrays.
import { UnsupportedEncodingError, v2Encoding } from '../../codec/encodings.js';
import type { FrameEncoding, PixelDtype } from '../events.js';
import type { FrameDecoding } from '../frameDecoding.js';
import { copyBytes } from '../copyBytes.js';
import { checkFramePixels } from '../frameSizeCheck.js';
import { MAX_FRAME_PIXELS } from '../../codec/limits.js';
import { StreamError } from '../StreamError.js';
import { shown } from '../fields.js';
import { CborTag, describe, type CborValue } from './cborReader.js';
import {
  TAG_COMPRESSED,
  TAG_MULTI_DIM_COLUMN_MAJOR,
  TAG_MULTI_DIM_ROW_MAJOR,
  TAG_TYPED_FIRST,
  TAG_TYPED_LAST,
} from './cborTags.js';
import { FRAMED_HEADER_BYTES, framedDecodedBytes } from '../../codec/framedHeader.js';

/** What a typed-array tag says about its elements: tag = 0b010_f_s_e_ll. */
export interface ElementType {
  tag: number;
  float: boolean;
  signed: boolean;
  littleEndian: boolean;
  size: number;
}

export interface Compression {
  algorithm: string;
  /** bslz4: the element size; lz4: 0. */
  modifier: number;
  bytes: Uint8Array;
}

export interface V2Array {
  element: ElementType;
  /** [rows, cols] from tag 40; null for a bare typed array (1-D). */
  dims: [number, number] | null;
  /** The byte string as sent: compressed bytes when `compression` is set, else the elements. */
  bytes: Uint8Array;
  compression: Compression | null;
}

export function elementType(tag: number): ElementType | null {
  if (tag < TAG_TYPED_FIRST || tag > TAG_TYPED_LAST) return null;
  const bits = tag - TAG_TYPED_FIRST;
  const float = (bits & 0b10000) !== 0;
  const signed = (bits & 0b01000) !== 0;
  const littleEndian = (bits & 0b00100) !== 0;
  const ll = bits & 0b11;
  if (!float && signed && littleEndian && ll === 0) return null; // tag 76 is reserved
  return { tag, float, signed: signed || float, littleEndian, size: 1 << ((float ? 1 : 0) + ll) };
}

/** Reads a tag-40 MultiDimArray or a bare typed array; throws StreamError naming `what`. */
export function readV2Array(value: CborValue, what: string): V2Array {
  let dims: [number, number] | null = null;
  let typed: CborValue = value;
  if (value instanceof CborTag && value.tag === TAG_MULTI_DIM_COLUMN_MAJOR) {
    throw new StreamError('unknown-encoding', `${what}: column-major arrays (tag 1040) are not supported`);
  }
  if (value instanceof CborTag && value.tag === TAG_MULTI_DIM_ROW_MAJOR) {
    const inner = value.value;
    if (!Array.isArray(inner) || inner.length !== 2 || !Array.isArray(inner[0])) {
      throw new StreamError(
        'bad-field',
        `${what}: tag 40 must hold [[rows, cols], typed array], got ${describe(inner)}`,
      );
    }
    const shape = inner[0];
    if (shape.length !== 2 || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0)) {
      throw new StreamError(
        'bad-field',
        `${what}: tag 40 dimensions must be two positive integers, got ${shown(shape)}`,
      );
    }
    dims = [shape[0] as number, shape[1] as number];
    checkFramePixels(dims[1], dims[0], `${what} (tag 40 [rows, cols])`);
    typed = inner[1];
  }
  if (!(typed instanceof CborTag)) {
    throw new StreamError('bad-field', `${what}: expected a typed array (tags 64-87), got ${describe(typed)}`);
  }
  const element = elementType(typed.tag);
  if (!element) throw new StreamError('unknown-encoding', `${what}: tag ${typed.tag} is not a typed-array tag (64-87)`);
  const { bytes, compression } = readByteString(typed.value, what);
  if (!compression && bytes.byteLength % element.size !== 0) {
    throw new StreamError(
      'size-mismatch',
      `${what}: ${bytes.byteLength} bytes is not a whole number of ${element.size}-byte elements`,
    );
  }
  return { element, dims, bytes, compression };
}

function readByteString(value: CborValue, what: string): { bytes: Uint8Array; compression: Compression | null } {
  if (value instanceof Uint8Array) return { bytes: value, compression: null };
  if (value instanceof CborTag && value.tag === TAG_COMPRESSED) {
    const c = value.value;
    if (
      !Array.isArray(c) ||
      c.length !== 3 ||
      typeof c[0] !== 'string' ||
      typeof c[1] !== 'number' ||
      !(c[2] instanceof Uint8Array)
    ) {
      throw new StreamError(
        'bad-field',
        `${what}: tag 56500 must hold [algorithm, modifier, bytes], got ${describe(c)}`,
      );
    }
    return { bytes: c[2], compression: { algorithm: c[0], modifier: c[1], bytes: c[2] } };
  }
  throw new StreamError(
    'bad-field',
    `${what}: typed array must wrap a byte string or tag 56500, got ${describe(value)}`,
  );
}

const PIXEL_DTYPES: Record<number, PixelDtype> = { 1: 'uint8', 2: 'uint16', 4: 'uint32' };

/** The frame dtype of an array: unsigned integers of 1, 2 or 4 bytes only. */
export function pixelDtypeOf(array: V2Array, what: string): PixelDtype {
  const e = array.element;
  const dtype = PIXEL_DTYPES[e.size];
  if (e.float || e.signed || !dtype) {
    throw new StreamError(
      'unknown-encoding',
      `${what}: typed-array tag ${e.tag} (${describeElement(e)}) is not an image dtype (uint8/16/32)`,
    );
  }
  return dtype;
}

export function describeElement(e: ElementType): string {
  const kind = e.float ? 'float' : e.signed ? 'int' : 'uint';
  return `${kind}${e.size * 8} ${e.size > 1 ? (e.littleEndian ? 'LE' : 'BE') : ''}`.trim();
}

/** The FrameEncoding of an array's bytes; throws unknown-encoding for what cannot be decoded. */
export function encodingOf(array: V2Array, what: string): FrameEncoding {
  const c = array.compression;
  const algorithm = c ? c.algorithm : null;
  if (algorithm !== null && algorithm !== 'bslz4' && algorithm !== 'lz4') {
    throw new StreamError(
      'unknown-encoding',
      `${what}: unknown compression algorithm ${shown(algorithm)} (expected "bslz4" or "lz4")`,
    );
  }
  if (c && c.algorithm === 'bslz4' && c.modifier !== array.element.size) {
    throw new StreamError(
      'unknown-encoding',
      `${what}: bslz4 element size ${c.modifier} does not match the typed array's ${array.element.size}-byte elements`,
    );
  }
  try {
    return v2Encoding(algorithm, array.element.size);
  } catch (err) {
    if (err instanceof UnsupportedEncodingError) throw new StreamError('unknown-encoding', `${what}: ${err.message}`);
    throw err;
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** True when the elements need a byte swap to be read natively. */
export function needsSwap(e: ElementType): boolean {
  return e.size > 1 && e.littleEndian !== LITTLE_ENDIAN_HOST;
}

/** Copy of `bytes` with every `size`-byte element reversed (big- to little-endian or back). */
export function byteSwapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k]!;
  }
  return out;
}

/**
 * The uncompressed element bytes of a header array. Compressed arrays go through the codec's
 * decoder (copied out, since its output buffer is reused).
 */
function elementBytes(array: V2Array, decoder: () => FrameDecoding, what: string): Uint8Array {
  if (!array.compression) return array.bytes;
  const encoding = encodingOf(array, what);
  const bytes = array.bytes;
  const total = framedDecodedBytes(bytes);
  if (total === null)
    throw new StreamError(
      'size-mismatch',
      `${what}: compressed array shorter than its ${FRAMED_HEADER_BYTES}-byte header`,
    );
  const elements = total / array.element.size;
  if (elements > MAX_FRAME_PIXELS) {
    throw new StreamError(
      'frame-too-large',
      `${what}: compressed header says ${total} bytes = ${elements} elements, above the limit of ${MAX_FRAME_PIXELS} (MAX_FRAME_PIXELS)`,
    );
  }
  const [rows, cols] = array.dims ?? [1, elements];
  if (!Number.isSafeInteger(elements) || elements <= 0 || rows * cols !== elements) {
    throw new StreamError(
      'size-mismatch',
      `${what}: compressed header says ${total} bytes, which does not fit ${rows}x${cols} elements of ${array.element.size} B`,
    );
  }
  const dtype = PIXEL_DTYPES[array.element.size];
  if (!dtype)
    throw new StreamError('unknown-encoding', `${what}: cannot decompress ${array.element.size}-byte elements`);
  try {
    const out = decoder().decode(bytes, encoding, cols, rows, dtype);
    return copyBytes(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  } catch (err) {
    throw new StreamError('decode-failed', `${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A header array as float32 (flatfield, countrate table), converting element type and byte order. */
export function headerFloat32(array: V2Array, decoder: () => FrameDecoding, what: string): Float32Array {
  return asNative(array, decoder, what, 'float32') as Float32Array;
}

/** A header array as uint32 (pixel mask), converting element type and byte order. */
export function headerUint32(array: V2Array, decoder: () => FrameDecoding, what: string): Uint32Array {
  return asNative(array, decoder, what, 'uint32') as Uint32Array;
}

function asNative(
  array: V2Array,
  decoder: () => FrameDecoding,
  what: string,
  kind: 'float32' | 'uint32',
): Float32Array | Uint32Array {
  const raw = elementBytes(array, decoder, what);
  const e = array.element;
  const count = raw.byteLength / e.size;
  if (array.dims && array.dims[0] * array.dims[1] !== count) {
    throw new StreamError(
      'size-mismatch',
      `${what}: ${count} elements but dimensions ${array.dims[0]}x${array.dims[1]}`,
    );
  }
  const Out = kind === 'float32' ? Float32Array : Uint32Array;
  const sameKind = e.size === 4 && (kind === 'float32' ? e.float : !e.float && !e.signed);
  if (sameKind) {
    // Same element type: a view when aligned and native-endian, otherwise one copy.
    const native = needsSwap(e) ? byteSwapped(raw, e.size) : raw;
    if (native.byteOffset % 4 === 0) return new Out(native.buffer as ArrayBuffer, native.byteOffset, count);
    return new Out(copyBytes(native).buffer as ArrayBuffer, 0, count);
  }
  const out = new Out(count);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = elementReader(e);
  for (let i = 0; i < count; i++) out[i] = read(view, i * e.size);
  return out;
}

function elementReader(e: ElementType): (v: DataView, at: number) => number {
  const le = e.littleEndian;
  if (e.float) {
    if (e.size === 4) return (v, at) => v.getFloat32(at, le);
    if (e.size === 8) return (v, at) => v.getFloat64(at, le);
    throw new StreamError('unknown-encoding', `float${e.size * 8} arrays are not supported`);
  }
  switch (e.size) {
    case 1:
      return e.signed ? (v, at) => v.getInt8(at) : (v, at) => v.getUint8(at);
    case 2:
      return e.signed ? (v, at) => v.getInt16(at, le) : (v, at) => v.getUint16(at, le);
    case 4:
      return e.signed ? (v, at) => v.getInt32(at, le) : (v, at) => v.getUint32(at, le);
    default:
      return e.signed ? (v, at) => Number(v.getBigInt64(at, le)) : (v, at) => Number(v.getBigUint64(at, le));
  }
}
