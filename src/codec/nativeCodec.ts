// Typed access to the frame codec functions of the native addon (native/src/frame_napi.c).
// Errors thrown by these functions carry a `.code`: ERR_TRUNCATED, ERR_SIZE_MISMATCH,
// ERR_LZ4_CORRUPT, ERR_BAD_HEADER, ERR_TRAILING_DATA, ERR_INVALID_ARG, ERR_UNSUPPORTED, ERR_NO_MEMORY.
import { nativeAddon } from '../native/addon.js';

/** Bit-unshuffle implementations, best first; 'avx512gfni' needs AVX-512 (F, BW, VBMI) and GFNI. */
export type SimdLevel = 'avx512gfni' | 'avx2' | 'sse2' | 'scalar';

/** Codec numbers of the native decoder; the same values as CodecId in src/native/addon.ts. */
export type CodecNumber = 0 | 1 | 2 | 3;

export interface NativeCodec {
  /** Decodes one frame into `dst`, which must be exactly the decoded size; returns bytes written. */
  decodeInto(src: Uint8Array, codec: CodecNumber, elemSize: number, dst: ArrayBufferView): number;
  /** Decoded size from the (validated) header for codecs 2/3, src length for 0, -1 for 1. */
  decodedSize(src: Uint8Array, codec: CodecNumber, elemSize: number): number;
  /** Bitshuffle-LZ4 with the 12-byte header (a filter 32008 chunk); blockBytes defaults to 8192. */
  encodeBslz4(src: ArrayBufferView, elemSize: number, blockBytes?: number): Buffer;
  /** As encodeBslz4, into `dst` (at least bslz4MaxSize bytes); returns bytes written. */
  encodeBslz4Into(src: ArrayBufferView, elemSize: number, dst: ArrayBufferView, blockBytes?: number): number;
  /** Worst-case size of encodeBslz4's output. */
  bslz4MaxSize(nbytes: number, elemSize: number, blockBytes?: number): number;
  /** One bare LZ4 block (V1 "lz4<"). */
  encodeLz4Block(src: ArrayBufferView): Buffer;
  /** HDF5-framed LZ4 (V2 "lz4"); blockBytes defaults to 1 GiB clipped to the data size. */
  encodeLz4Framed(src: ArrayBufferView, blockBytes?: number): Buffer;
  /** The bit-unshuffle implementation in use. */
  simdLevel(): SimdLevel;
  /** Forces an implementation (tests, benchmarks); throws ERR_UNSUPPORTED when the CPU lacks it. */
  setSimdLevel(level: SimdLevel): SimdLevel;
}

const FUNCTIONS = [
  'decodeInto',
  'decodedSize',
  'encodeBslz4',
  'encodeBslz4Into',
  'bslz4MaxSize',
  'encodeLz4Block',
  'encodeLz4Framed',
  'simdLevel',
  'setSimdLevel',
] as const;

let cached: NativeCodec | undefined;

/** The addon's codec functions; throws a clear error if the addon is missing or too old. */
export function nativeCodec(): NativeCodec {
  if (cached) return cached;
  const addon = nativeAddon();
  const missing = FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`stream-pipeline: native addon lacks ${missing.join(', ')}; rebuild with "npm run build:native"`);
  }
  cached = addon as unknown as NativeCodec;
  return cached;
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
