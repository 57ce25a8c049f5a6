// Frame encodings: how the detector names them (V1 strings, V2 compression tags) and how they map
// onto the native codec numbers. Pure functions, no native code, so the receiver can validate an
// encoding before any byte is decoded.
import type { Codec, FrameEncoding, PixelDtype } from '../receiver/events.js';

/** Codec numbers understood by the native decoder (native/src/frame_codec.h). */
export const CODEC_IDS: Readonly<Record<Codec, 0 | 1 | 2 | 3>> = {
  raw: 0,
  'lz4-block': 1,
  lz4: 2,
  bslz4: 3,
};

/** Error thrown for an encoding this project cannot decode; `.code` is ERR_UNSUPPORTED_ENCODING. */
export class UnsupportedEncodingError extends Error {
  readonly code = 'ERR_UNSUPPORTED_ENCODING';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedEncodingError';
  }
}

export function elemSizeOf(dtype: PixelDtype): 1 | 2 | 4 {
  switch (dtype) {
    case 'uint8':
      return 1;
    case 'uint16':
      return 2;
    case 'uint32':
      return 4;
    default:
      throw new UnsupportedEncodingError(`unsupported pixel dtype ${JSON.stringify(dtype)}`);
  }
}

/** Bytes of one decoded frame; throws on non-integer or non-positive dimensions. */
export function decodedByteLength(width: number, height: number, dtype: PixelDtype): number {
  for (const [what, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new UnsupportedEncodingError(`frame ${what} must be a positive integer, got ${String(v)}`);
    }
  }
  const bytes = width * height * elemSizeOf(dtype);
  if (!Number.isSafeInteger(bytes)) throw new UnsupportedEncodingError(`frame ${width}x${height} is too large`);
  return bytes;
}

const V1_BITSHUFFLE = /^bs(8|16|32)-?lz4<$/;

/**
 * Parses a V1 `encoding` string (grammar `[bs<BIT>][[-]lz4][<|>]`). Only little-endian output is
 * supported; the bitshuffle element size must agree with the frame's dtype.
 */
export function parseV1Encoding(name: string, dtype: PixelDtype): FrameEncoding {
  const elemSize = elemSizeOf(dtype);
  if (name === '<') return { codec: 'raw', elemSize, name };
  if (name === 'lz4<') return { codec: 'lz4-block', elemSize, name };
  const bs = V1_BITSHUFFLE.exec(name);
  if (bs) {
    const bits = Number(bs[1]);
    if (bits / 8 !== elemSize) {
      throw new UnsupportedEncodingError(
        `unsupported encoding ${JSON.stringify(name)}: bitshuffle element of ${bits} bits does not match dtype ${dtype}`,
      );
    }
    return { codec: 'bslz4', elemSize, name };
  }
  if (name.endsWith('>')) {
    throw new UnsupportedEncodingError(
      `unsupported encoding ${JSON.stringify(name)}: big-endian output is not supported`,
    );
  }
  throw new UnsupportedEncodingError(
    `unsupported encoding ${JSON.stringify(name)} (expected "<", "lz4<", "bs8-lz4<", "bs16-lz4<" or "bs32-lz4<")`,
  );
}

/**
 * The encoding of a V2 array: `algorithm` from the compression tag 56500 (null when the byte string
 * was not compressed) and the element size of the typed array around it.
 */
export function v2Encoding(algorithm: 'bslz4' | 'lz4' | null, elemSize: number): FrameEncoding {
  if (elemSize !== 1 && elemSize !== 2 && elemSize !== 4) {
    throw new UnsupportedEncodingError(`unsupported element size ${String(elemSize)} (expected 1, 2 or 4)`);
  }
  if (algorithm === null) return { codec: 'raw', elemSize, name: 'raw' };
  if (algorithm === 'bslz4') return { codec: 'bslz4', elemSize, name: 'bslz4' };
  if (algorithm === 'lz4') return { codec: 'lz4', elemSize, name: 'lz4' };
  throw new UnsupportedEncodingError(`unsupported compression algorithm ${JSON.stringify(algorithm)}`);
}

export function codecId(encoding: FrameEncoding): 0 | 1 | 2 | 3 {
  const id = CODEC_IDS[encoding.codec];
  if (id === undefined) throw new UnsupportedEncodingError(`unsupported codec ${JSON.stringify(encoding.codec)}`);
  return id;
}
