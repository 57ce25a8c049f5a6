// Checks, without decompressing, that an encoded frame would decode to exactly its shape's bytes.
import { framePixelsProblem } from '../codec/limits.js';
import type { FrameEncoding } from './events.js';
import { StreamError } from './StreamError.js';
import { FRAMED_HEADER_BYTES, framedDecodedBytes } from '../codec/framedHeader.js';

/** Bytes of the HDF5-style header in front of "lz4" and "bslz4" blobs (u64 BE total, u32 BE block). */

/**
 * Throws `size-mismatch` when `data` cannot hold a width x height frame: raw data must be exactly
 * that long; framed codecs must announce that total in their header. A bare LZ4 block carries no
 * size, so it passes here (the receiver's verifyDecode option decodes it instead).
 */
export function checkEncodedSize(
  data: Uint8Array,
  encoding: FrameEncoding,
  width: number,
  height: number,
  what: string,
): void {
  checkFramePixels(width, height, what);
  const expected = width * height * encoding.elemSize;
  switch (encoding.codec) {
    case 'raw':
      if (data.byteLength !== expected) {
        throw new StreamError(
          'size-mismatch',
          `${what}: raw frame has ${data.byteLength} bytes but shape ${width}x${height} x ${encoding.elemSize} B needs ${expected}`,
          { bytes: data.byteLength, expected },
        );
      }
      return;
    case 'lz4':
    case 'bslz4': {
      const total = framedDecodedBytes(data);
      if (total === null) {
        throw new StreamError(
          'size-mismatch',
          `${what}: ${encoding.name} frame of ${data.byteLength} bytes is shorter than its ${FRAMED_HEADER_BYTES}-byte header`,
          {
            bytes: data.byteLength,
          },
        );
      }
      if (total !== expected) {
        throw new StreamError(
          'size-mismatch',
          `${what}: ${encoding.name} header says ${total} decoded bytes but shape ${width}x${height} x ${encoding.elemSize} B needs ${expected}`,
          { headerBytes: total, expected },
        );
      }
      return;
    }
    case 'lz4-block':
      return;
  }
}

/** Throws `frame-too-large` when a width x height shape exceeds MAX_FRAME_PIXELS. */
export function checkFramePixels(width: number, height: number, what: string): void {
  const problem = framePixelsProblem(width, height);
  if (problem) throw new StreamError('frame-too-large', `${what}: shape ${problem}`, { width, height });
}
