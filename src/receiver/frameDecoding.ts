// The one thing the receiver needs from the codec: decode a frame into a typed-array view. Named
// as an interface so the receiver depends on the shape, and tests can count calls.
import type { FrameEncoding, PixelDtype } from './events.js';

export interface FrameDecoding {
  /** Decodes `data` into a width*height array of `dtype`; the result may be reused by the next call. */
  decode(data: Uint8Array, encoding: FrameEncoding, width: number, height: number, dtype: PixelDtype): ArrayBufferView;
}
