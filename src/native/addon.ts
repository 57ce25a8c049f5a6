// The project's Node-API addon (native/), built by `npm run build:native`: every function it
// exports is declared here, once, and checked at load, so a stale or partial build fails with
// one clear message instead of a TypeError deep in a kernel. The facades (codec, spot finders,
// radial profile, shared memory) import from here. The C side registers each function with
// SP_EXPORT in native/src/*.c.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CPU levels every kernel can run at, best first (native/src/cpu_level.h): 'avx512gfni' needs
 * AVX-512 (F, BW, VBMI) and GFNI, 'avx2' AVX2 and FMA. */
export const CPU_LEVELS = ['avx512gfni', 'avx2', 'sse2', 'scalar'] as const;
export type CpuLevel = (typeof CPU_LEVELS)[number];

/** Forces the CPU level at load, in every process that loads the addon (workers inherit it). */
export const CPU_LEVEL_ENV = 'STREAM_PIPELINE_CPU_LEVEL';

/** Codec numbers of the native decoder (native/src/frame_codec.h; CODEC_IDS in codec/encodings.ts). */
export type CodecNumber = 0 | 1 | 2 | 3;

/** Pixel arrays the spot finders read. */
export type SpotPixels = Uint16Array | Uint32Array | Int32Array;

/** Pixel arrays the radial kernel reads. */
export type RadialPixels = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array;

/** Every `.code` a native function's error may carry (test/native-layouts.test.ts checks the
 * list against the C sources). */
export const NATIVE_ERROR_CODES = [
  'ERR_INVALID_ARG', 'ERR_TRUNCATED', 'ERR_SIZE_MISMATCH', 'ERR_LZ4_CORRUPT', 'ERR_BAD_HEADER', 'ERR_TRAILING_DATA',
  'ERR_NO_MEMORY', 'ERR_UNSUPPORTED', 'ERR_SHM', 'ERR_INTERNAL', 'ERR_ADDON_INIT', 'ERR_UNKNOWN',
] as const;
export type NativeErrorCode = (typeof NATIVE_ERROR_CODES)[number];

/** Opaque native workspace (a Node-API external). */
export type NativeHandle = { readonly __nativeHandle: unique symbol };

export interface NativeAddon {
  buildInfo(): { compiler: string };

  // The CPU level of every kernel (cpu_napi.c): bit-unshuffle, LZ4 copies, spot-finder row kernels.
  /** The level in use: the best this CPU has unless forced. */
  cpuLevel(): CpuLevel;
  /** Forces a level (tests, benchmarks, a suspect CPU); throws ERR_UNSUPPORTED when the CPU lacks it. */
  setCpuLevel(level: CpuLevel): CpuLevel;

  // Frame codec (frame_napi.c). Errors carry a `.code`: ERR_TRUNCATED, ERR_SIZE_MISMATCH,
  // ERR_LZ4_CORRUPT, ERR_BAD_HEADER, ERR_TRAILING_DATA, ERR_INVALID_ARG, ERR_UNSUPPORTED, ERR_NO_MEMORY.
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

  // Spot finders (dispersion_napi.c, peakfinder8_napi.c).
  dispersionCreate(width: number, height: number, mask: Uint8Array, params: Float64Array): NativeHandle;
  dispersionFind(handle: NativeHandle, pixels: SpotPixels, outSpots: Float64Array, outInfo: Float64Array): number;
  dispersionStrongMask(handle: NativeHandle, pixels: SpotPixels, outMask: Uint8Array): number;
  pf8Create(width: number, height: number, radius: Uint16Array, mask: Uint8Array, asics: Int32Array, params: Float64Array): NativeHandle;
  pf8Find(handle: NativeHandle, pixels: SpotPixels, params: Float64Array, outSpots: Float64Array, outInfo: Float64Array): number;
  pf8RadialStats(handle: NativeHandle, pixels: SpotPixels, params: Float64Array, outOffset: Float32Array, outSigma: Float32Array, outThreshold: Float32Array): number;

  // Radial profile and masks (radial_napi.c, mask_napi.c). Every array must be of the declared type (a
  // Buffer is a Uint8Array); the pixel type is read from the array itself.
  radialBuildTable(
    geometry: Float64Array,
    unit: number,
    edges: Float64Array,
    valid: Uint8Array,
    table: Uint16Array,
    staticCount: Uint32Array,
    corrections: Float64Array,
    factor: Float32Array,
    staticNorm: Float64Array,
  ): void;
  radialAccumulate(
    pixels: RadialPixels,
    table: Uint16Array,
    nbins: number,
    limit: number,
    scratch: Float64Array,
    staticCount: Uint32Array,
    staticNorm: Float64Array,
    factor: Float32Array,
    mean: Float64Array,
    count: Uint32Array,
  ): number;
  radialScratchLength(nbins: number): number;
  maskApplyDetector(detectorMask: Uint32Array, valid: Uint8Array): number;
  maskApplyResolution(geometry: Float64Array, dMin: number, dMax: number, valid: Uint8Array): number;

  // Shared-memory frame slots (shared_memory.c).
  shmCreate(name: string, bytes: number): ArrayBuffer;
  shmOpen(name: string, bytes: number): ArrayBuffer;
  shmUnlink(name: string): boolean;
  shmClose(buffer: ArrayBuffer): boolean;

  // The C library's rand(), shared with libzmq (libc_random.c).
  seedLibcRandom(): void;

  /** The codes of the codec's error statuses (layouts.c). */
  errorCodes(): string[];

  /** The layouts of the exchanged number vectors, by name (layouts.c; test/native-layouts.test.ts). */
  layouts(): Record<'dispersionParams' | 'dispersionInfo' | 'pf8CreateParams' | 'pf8Params' | 'pf8Info' | 'spotColumns' | 'geometry', Record<string, number>>;
}

/** Every function the addon must export (a test compares it with the addon's own list). */
export const NATIVE_FUNCTIONS = [
  'buildInfo', 'cpuLevel', 'setCpuLevel',
  'decodeInto', 'decodedSize', 'encodeBslz4', 'encodeBslz4Into', 'bslz4MaxSize', 'encodeLz4Block', 'encodeLz4Framed',
  'dispersionCreate', 'dispersionFind', 'dispersionStrongMask', 'pf8Create', 'pf8Find', 'pf8RadialStats',
  'radialBuildTable', 'radialAccumulate', 'radialScratchLength', 'maskApplyDetector', 'maskApplyResolution',
  'shmCreate', 'shmOpen', 'shmUnlink', 'shmClose',
  'seedLibcRandom', 'layouts', 'errorCodes',
] as const satisfies readonly (keyof NativeAddon)[];

function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new Error('stream-pipeline: cannot find the project root (package.json next to native/)');
}

/** Loads native/build/Release/<file> and checks that it exports every one of `functions`: one
 * clear error when the addon has not been built, or is stale and lacks some. */
export function loadNativeAddon<T>(file: string, functions: readonly string[]): T {
  const path = join(findProjectRoot(), 'native', 'build', 'Release', file);
  if (!existsSync(path)) {
    throw new Error(`stream-pipeline: native addon missing at ${path}; run "npm run build:native"`);
  }
  const addon = createRequire(import.meta.url)(path) as Record<string, unknown>;
  const missing = functions.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`stream-pipeline: native addon at ${path} lacks ${missing.join(', ')}; rebuild with "npm run build:native"`);
  }
  return addon as unknown as T;
}

let cached: NativeAddon | undefined;

/** The loaded addon, at the CPU level CPU_LEVEL_ENV forces (if set); throws a clear error when it
 * has not been built, lacks a function, or the forced level is not available. */
export function nativeAddon(): NativeAddon {
  if (cached) return cached;
  const loaded = loadNativeAddon<NativeAddon>('sp_native.node', NATIVE_FUNCTIONS);
  const forced = process.env[CPU_LEVEL_ENV];
  if (forced) {
    try {
      loaded.setCpuLevel(forced as CpuLevel);
    } catch (err) {
      throw new Error(`stream-pipeline: ${CPU_LEVEL_ENV}=${forced}: ${(err as Error).message}`, { cause: err });
    }
  }
  cached = loaded;
  return cached;
}
