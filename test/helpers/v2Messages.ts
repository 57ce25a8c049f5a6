// Synthetic Stream V2 messages built with cbor-x's encoder and explicit tags: 40 (multi-dim array),
// 64-87 (typed arrays, either byte order), 56500 (compression, encoded with the project's codec),
// with or without the self-describe prefix, keys in any order.
import { Encoder, Tag } from 'cbor-x';
import { encodePixels } from '../../src/codec/FrameEncoder.js';
import { seededRandom } from './seededRandom.js';

const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });
export const SELF_DESCRIBE = Buffer.from([0xd9, 0xd9, 0xf7]);

export type Values = Uint8Array | Uint16Array | Uint32Array | Float32Array;
export type Endian = 'le' | 'be';
export type Compression = 'bslz4' | 'lz4' | null;

/** Tag 64-87 for the array's element type and byte order (RFC 8746: 0b010_f_s_e_ll). */
export function typedArrayTag(values: Values, endian: Endian): number {
  const e = endian === 'le' ? 4 : 0;
  if (values instanceof Float32Array) return 64 + 16 + e + 1;
  if (values instanceof Uint8Array) return 64;
  return 64 + e + (values instanceof Uint16Array ? 1 : 2);
}

/** The element bytes in the given byte order (a copy). */
export function bytesOf(values: Values, endian: Endian): Uint8Array {
  const le = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (endian === 'le' || values.BYTES_PER_ELEMENT === 1) return le;
  const size = values.BYTES_PER_ELEMENT;
  const be = new Uint8Array(le.length);
  for (let i = 0; i < le.length; i += size) for (let k = 0; k < size; k++) be[i + k] = le[i + size - 1 - k]!;
  return be;
}

export interface TypedArrayOptions {
  endian?: Endian;
  compression?: Compression;
}

/** A typed array (tag 64-87) whose byte string is plain or compressed (tag 56500, little-endian only). */
export function typedArray(values: Values, options: TypedArrayOptions = {}): Tag {
  const endian = options.endian ?? 'le';
  const compression = options.compression ?? null;
  const tag = typedArrayTag(values, endian);
  if (!compression) return new Tag(bytesOf(values, endian), tag);
  const elemSize = values.BYTES_PER_ELEMENT as 1 | 2 | 4;
  const pixels =
    values instanceof Float32Array ? new Uint32Array(values.buffer, values.byteOffset, values.length) : values;
  const blob = encodePixels(pixels, { codec: compression, elemSize, name: compression });
  return new Tag(new Tag([compression, compression === 'bslz4' ? elemSize : 0, blob], 56500), tag);
}

/** A row-major MultiDimArray (tag 40): rows = image height. */
export function multiDim(rows: number, cols: number, typed: Tag): Tag {
  return new Tag([[rows, cols], typed], 40);
}

/** A per-channel map with one channel, threshold_1: `values` as a rows x cols typed array (an
 * image's data, or a header array such as pixel_mask). */
export function channel1(
  rows: number,
  cols: number,
  values: Values,
  options: TypedArrayOptions = {},
): Record<string, Tag> {
  return { threshold_1: multiDim(rows, cols, typedArray(values, options)) };
}

export interface EncodeOptions {
  /** Prepend d9 d9 f7 (self-described CBOR), as real detectors do. Default true. */
  prefix?: boolean;
  /** Reorder the keys with this seed (deterministic); "type" is then usually not first. */
  shuffleSeed?: number;
}

export function encodeMessage(fields: Record<string, unknown>, options: EncodeOptions = {}): Buffer {
  let keys = Object.keys(fields);
  if (options.shuffleSeed !== undefined) keys = shuffled(keys, options.shuffleSeed);
  const ordered: Record<string, unknown> = {};
  for (const k of keys) ordered[k] = fields[k];
  const body = encoder.encode(ordered);
  return options.prefix === false ? Buffer.from(body) : Buffer.concat([SELF_DESCRIBE, body]);
}

export interface StartSpec {
  seriesId?: number;
  uniqueId?: string;
  width: number;
  height: number;
  channels?: string[];
  extra?: Record<string, unknown>;
  omit?: string[];
}

export function startFields(s: StartSpec): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    type: 'start',
    series_id: s.seriesId ?? 7,
    series_unique_id: s.uniqueId ?? '01TESTSERIES0000000000000A',
    arm_date: new Tag('2024-05-01T12:00:00.000+00:00', 0),
    beam_center_x: 1024.5,
    beam_center_y: 1100.25,
    channels: s.channels ?? ['threshold_1'],
    count_time: 0.001,
    frame_time: 0.0011,
    detector_description: 'Synthetic EIGER2',
    detector_serial_number: 'E-00-0000',
    detector_translation: [0.0768, 0.0825, -0.25],
    goniometer: { omega: { start: 10, increment: 0.5 } },
    image_dtype: 'uint16',
    image_size_x: s.width,
    image_size_y: s.height,
    incident_energy: 12398.4198,
    incident_wavelength: 1.0,
    number_of_images: 5,
    pixel_size_x: 75e-6,
    pixel_size_y: 75e-6,
    saturation_value: 40000,
    sensor_material: 'Si',
    sensor_thickness: 450e-6,
    threshold_energy: { threshold_1: 6000 },
    user_data: { sample: 'lysozyme' },
    ...s.extra,
  };
  for (const k of s.omit ?? []) delete fields[k];
  return fields;
}

export interface ImageSpec {
  seriesId?: number;
  uniqueId?: string;
  imageId: number;
  /** channel → MultiDimArray tag. */
  data: Record<string, Tag>;
  extra?: Record<string, unknown>;
}

export function imageFields(s: ImageSpec): Record<string, unknown> {
  return {
    type: 'image',
    series_id: s.seriesId ?? 7,
    series_unique_id: s.uniqueId ?? '01TESTSERIES0000000000000A',
    image_id: s.imageId,
    real_time: [50_000, 50_000_000],
    series_date: new Tag('2024-05-01T12:00:00.000+00:00', 0),
    start_time: [s.imageId * 55_000, 50_000_000],
    stop_time: [s.imageId * 55_000 + 50_000, 50_000_000],
    data: s.data,
    ...s.extra,
  };
}

export function endFields(seriesId = 7, uniqueId = '01TESTSERIES0000000000000A'): Record<string, unknown> {
  return { type: 'end', series_id: seriesId, series_unique_id: uniqueId };
}

/** The start, an image and the end message, encoded. */
export const startMessage = (s: StartSpec, options?: EncodeOptions): Buffer => encodeMessage(startFields(s), options);
export const imageMessage = (s: ImageSpec, options?: EncodeOptions): Buffer => encodeMessage(imageFields(s), options);
export const endMessage = (options?: EncodeOptions): Buffer => encodeMessage(endFields(), options);

/** Deterministic pixels: counts with a fixed-seed generator, scaled to the dtype. */
export function pixels<T extends Uint8Array | Uint16Array | Uint32Array>(
  Kind: { new (n: number): T },
  n: number,
  seed: number,
  max = 1000,
): T {
  const out = new Kind(n);
  const next = seededRandom(seed);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * next() * max);
  return out;
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  const next = seededRandom(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export interface GoodSeries {
  /** The good image's pixels (seed 1). */
  img: Uint16Array;
  start: Buffer;
  /** Image 1: image 0 is left for whatever the test sends between start and end. */
  good: Buffer;
  end: Buffer;
}

/** A width x height uint16 series of one good image, for tests that send something bad in it. */
export function goodSeries(width: number, height: number, compression: Compression = 'bslz4'): GoodSeries {
  const img = pixels(Uint16Array, width * height, 1);
  return {
    img,
    start: startMessage({ width, height }),
    good: imageMessage({ imageId: 1, data: channel1(height, width, img, { compression }) }),
    end: endMessage(),
  };
}
