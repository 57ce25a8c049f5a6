// The frame codec functions of the native addon (native/src/frame_napi.c; declared, with their
// error codes, in src/native/addon.ts).
import { nativeAddon, type CodecNumber, type NativeAddon } from '../native/addon.js';

export type { CodecNumber };

/** The addon's codec functions (declared in src/native/addon.ts). */
export type NativeCodec = Pick<
  NativeAddon,
  | 'decodeInto'
  | 'decodedSize'
  | 'encodeBslz4'
  | 'encodeBslz4Into'
  | 'bslz4MaxSize'
  | 'encodeLz4Block'
  | 'encodeLz4Framed'
>;

export function nativeCodec(): NativeCodec {
  return nativeAddon();
}
