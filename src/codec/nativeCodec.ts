// The frame codec functions of the native addon (native/src/frame_napi.c; declared, with their
// error codes, in src/native/addon.ts), and which SIMD levels this CPU runs.
import { nativeAddon, type CodecNumber, type NativeAddon, type SimdLevel } from '../native/addon.js';

export type { CodecNumber, SimdLevel };

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
  | 'simdLevel'
  | 'setSimdLevel'
>;

export function nativeCodec(): NativeCodec {
  return nativeAddon();
}

/** SIMD levels this CPU can run, best first. */
export function supportedSimdLevels(): SimdLevel[] {
  const order: SimdLevel[] = ['avx512gfni', 'avx2', 'sse2', 'scalar'];
  const codec = nativeCodec();
  const current = codec.simdLevel();
  const supported: SimdLevel[] = [];
  for (const level of order) {
    try {
      codec.setSimdLevel(level);
      supported.push(level);
    } catch {
      // not available on this CPU
    }
  }
  codec.setSimdLevel(current);
  return supported;
}
