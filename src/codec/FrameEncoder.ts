// Encodes pixel arrays the way a detector would send them (simulator and tests).
import type { FrameEncoding } from '../receiver/events.js';
import { codecError } from './codecError.js';
import type { PixelArray } from './FrameDecoder.js';
import { nativeCodec } from './nativeCodec.js';

/** Options for the framed codecs; defaults match the detector (bslz4: 8192-byte blocks). */
export interface EncodeOptions {
  blockBytes?: number;
}

/** Encodes little-endian pixels into the blob `encoding` describes (a new buffer per call). */
export function encodePixels(pixels: PixelArray, encoding: FrameEncoding, options: EncodeOptions = {}): Uint8Array {
  if (pixels.BYTES_PER_ELEMENT !== encoding.elemSize) {
    throw codecError(
      'ERR_INVALID_ARG',
      `encoding ${JSON.stringify(encoding.name)} has ${encoding.elemSize}-byte elements but the pixels have ${pixels.BYTES_PER_ELEMENT}`,
    );
  }
  const codec = nativeCodec();
  switch (encoding.codec) {
    case 'raw':
      return new Uint8Array(pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength));
    case 'lz4-block':
      return codec.encodeLz4Block(pixels);
    case 'lz4':
      return codec.encodeLz4Framed(pixels, options.blockBytes);
    case 'bslz4':
      return codec.encodeBslz4(pixels, encoding.elemSize, options.blockBytes);
    default:
      throw codecError(
        'ERR_UNSUPPORTED_ENCODING',
        `unsupported codec ${JSON.stringify((encoding as FrameEncoding).codec)}`,
      );
  }
}
