// The HDF5 addon (native/hdf5/, target sp_hdf5 in native/binding.gyp), built by `npm run
// build:native`: every function it exports is declared here, once, and checked at load.
//
// HDF5 (Debian's serial libhdf5) is NOT thread-safe, and every call here is synchronous and may
// block on the disk. Load and call this surface from ONE dedicated writer process only: never from
// the pipeline's event loop, a worker, or two threads. The main addon (src/native/addon.ts) does not
// link libhdf5, so the processes that never write files never load it.
//
// These are generic primitives (files, groups, attributes, datasets, image stacks with direct chunk
// writes, virtual datasets); what goes where (the NXmx layout) is in src/sinks/hdf5/nxmxLayout.ts.
//
// Errors: every HDF5 failure throws an Error whose message names the file and the object, e.g.
// "cannot create /dir/x_data_000001.h5.tmp: unable to create file: No space left on device (ENOSPC)",
// and whose `.code` is the errno name HDF5 reported (ENOSPC, EACCES, ENOENT, EEXIST, ...), or
// ERR_HDF5 when it reported none; bad arguments throw ERR_INVALID_ARG / ERR_SIZE_MISMATCH.
import { loadNativeAddon } from './addon.js';

/** Every `.code` an error of the addon may carry: its own, then the errno names HDF5 reports
 * (test/hdf5-addon.test.ts checks the list against the C sources and errorCodes()). */
export const HDF5_ERROR_CODES = [
  'ERR_INVALID_ARG',
  'ERR_SIZE_MISMATCH',
  'ERR_NO_MEMORY',
  'ERR_HDF5',
  'ERR_ADDON_INIT',
  'ENOSPC',
  'EDQUOT',
  'EACCES',
  'EPERM',
  'ENOENT',
  'EEXIST',
  'EROFS',
  'EIO',
  'ENOTDIR',
  'EISDIR',
  'EFBIG',
  'EMFILE',
  'ENFILE',
  'ENAMETOOLONG',
  'ELOOP',
  'EBADF',
  'ENOMEM',
  'EAGAIN',
  'EBUSY',
  'ENOLCK',
  'ENOSYS',
  'EINVAL',
] as const;
export type Hdf5ErrorCode = (typeof HDF5_ERROR_CODES)[number];

/** An open HDF5 object (a tagged Node-API external); closed ones are refused by every function. */
export type H5File = { readonly __h5: 'file' };
export type H5Group = { readonly __h5: 'group' };
export type H5Dataset = { readonly __h5: 'dataset' };
export type H5Location = H5File | H5Group;
export type H5Object = H5File | H5Group | H5Dataset;

/** Element types by name. */
export type H5NumericType =
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'uint64'
  | 'int64'
  | 'float32'
  | 'float64';

/** Pixel types of an image stack. */
export type H5StackType = 'uint8' | 'uint16' | 'uint32' | 'int32';

/** Numbers for datasets and attributes: a JS number is a float64 scalar; a typed array keeps its
 * element type (BigInt64Array: int64) and is 1-D unless a shape is given ([] is a scalar). */
export type H5Numbers =
  | number
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** Strings are variable-length UTF-8: a scalar, or a 1-D array. */
export type H5Value = H5Numbers | string | readonly string[];

/** One region of a virtual dataset: the block `count` at `sourceStart` (default all zeros) of
 * `dataset` in `file` (a path relative to the virtual dataset's file, or absolute), whose full
 * extent is `sourceDims`, appears as the block `count` at `start`. */
export interface H5VirtualSource {
  file: string;
  dataset: string;
  sourceDims: number[];
  start: number[];
  count: number[];
  sourceStart?: number[];
}

export interface Hdf5Addon {
  /** The libhdf5 version, e.g. "1.10.8". */
  hdf5Version(): string;
  /** Every `.code` an error may carry. */
  errorCodes(): string[];

  /** Creates a new file (HDF5 1.10 format); never truncates: an existing path throws EEXIST. */
  createFile(path: string): H5File;
  /** Flushes and closes. Refused (the file stays open and usable) while groups, datasets or
   * attributes of it are open. When the flush fails (a full disk) it throws and the file stays
   * open: discard it. (Should the close itself fail after a good flush, the file is forgotten:
   * HDF5 cannot close it again safely. Files still open when the process ends are not flushed.) */
  closeFile(file: H5File): void;
  /** After a failure: closes the file and its open objects without writing anything more to it
   * (what is on disk stays as it was: partial). Never throws for the file's state. Handles to its
   * objects must not be used afterwards. */
  discardFile(file: H5File): void;
  /** Closes a group or dataset (the id is released even when its flush fails and this throws). */
  closeObject(object: H5Group | H5Dataset): void;
  /** False once closed (or released by a failed close). */
  isOpen(object: H5Object): boolean;

  createGroup(parent: H5Location, name: string): H5Group;
  /** Opens an existing group (`name` relative to `parent`, or absolute). */
  openGroup(parent: H5Location, name: string): H5Group;
  /** Sets (replaces) an attribute; on a file it goes on the root group. */
  setAttribute(object: H5Object, name: string, value: H5Value, shape?: number[]): void;
  /** Creates and writes a dataset; returns it open (for attributes): close it. `gzip` 1-9
   * compresses (shuffle + deflate, chunks of about 1 MiB). */
  writeDataset(parent: H5Location, name: string, value: H5Value, options?: { shape?: number[]; gzip?: number }): H5Dataset;

  /** Creates an empty, extendable image stack [0, height, width], one chunk [1, height, width] per
   * frame, filter 32008 (bitshuffle + LZ4) with parameters stored exactly as {0, 3, elemSize, 0, 2}. */
  createImageStack(parent: H5Location, name: string, height: number, width: number, dtype: H5StackType): H5Dataset;
  /** Stores `chunk` (a filter 32008 blob: bitshuffle + LZ4 with its 12-byte header) byte for byte
   * as frame `index`, growing the stack to index + 1 frames when it is shorter. */
  writeChunk(stack: H5Dataset, index: number, chunk: Uint8Array): void;

  /** Creates a virtual dataset of `dims` over regions of other datasets; what no source covers, or
   * whose file is missing when read, reads as `fill` (default 0). */
  createVirtualDataset(
    parent: H5Location,
    name: string,
    dtype: H5NumericType,
    dims: number[],
    sources: readonly H5VirtualSource[],
    fill?: number,
  ): H5Dataset;
}

/** Every function the addon must export. */
export const HDF5_FUNCTIONS = [
  'hdf5Version',
  'errorCodes',
  'createFile',
  'closeFile',
  'discardFile',
  'closeObject',
  'isOpen',
  'createGroup',
  'openGroup',
  'setAttribute',
  'writeDataset',
  'createImageStack',
  'writeChunk',
  'createVirtualDataset',
] as const satisfies readonly (keyof Hdf5Addon)[];

let cached: Hdf5Addon | undefined;

/** The loaded HDF5 addon (writer process only); throws one clear error when it is missing or stale. */
export function hdf5Addon(): Hdf5Addon {
  cached ??= loadNativeAddon<Hdf5Addon>('sp_hdf5.node', HDF5_FUNCTIONS);
  return cached;
}
