// Stream V2 (CBOR, one single-part message per start/image/end) → decoded messages.
// Accepts messages with or without the self-describe prefix (d9 d9 f7) and keys in any order.
import type { Frame, GoniometerAxis, SeriesStart } from '../events.js';
import type { DecodedMessage } from '../DecodedMessage.js';
import {
  isObject,
  optionalNumber,
  optionalString,
  requireInt,
  wavelengthAndEnergy,
  type Fields,
  shown,
} from '../fields.js';
import type { FrameDecoding } from '../frameDecoding.js';
import { checkEncodedSize, checkFramePixels } from '../frameSizeCheck.js';
import { dtypeFromName, dtypeFromSaturation } from '../pixelDtype.js';
import type { SeriesTracker } from '../SeriesTracker.js';
import { StreamError } from '../StreamError.js';
import { CborError, CborTag, describe, readCbor, type CborValue } from './cborReader.js';
import {
  byteSwapped,
  encodingOf,
  headerFloat32,
  headerUint32,
  needsSwap,
  pixelDtypeOf,
  readV2Array,
} from './v2Arrays.js';
import { bounded, MAX_CONFIG_VALUE_BYTES, MAX_USER_DATA_BYTES } from '../boundedValues.js';
import { TAG_DATE_TIME, TAG_EPOCH_TIME } from './cborTags.js';

export interface Stream2Options {
  /** Sample-detector distance (m) used when the start message has no usable detector_translation. */
  detectorDistance?: number | null;
  /** The codec's frame decoder, for compressed header arrays (created on first use). */
  frameDecoder: () => FrameDecoding;
}

/** Header arrays: large, sent only with header_detail "all", never part of `config`. */
const ARRAY_KEYS = new Set(['flatfield', 'pixel_mask', 'countrate_correction_lookup_table']);

export class Stream2Decoder {
  constructor(private readonly options: Stream2Options) {}

  decode(message: Uint8Array, tracker: SeriesTracker, receivedAt: number): DecodedMessage {
    const msg = parseMessage(message);
    const type = msg['type'];
    switch (type) {
      case 'start':
        return this.start(msg, receivedAt);
      case 'image':
        return { kind: 'image', ...image(msg, tracker, receivedAt) };
      case 'end': {
        const what = 'V2 end message';
        const series = requireInt(msg, 'series_id', what);
        tracker.require('end', series, optionalString(msg, 'series_unique_id', what));
        return { kind: 'end', series };
      }
      case undefined:
        throw new StreamError('bad-field', 'V2 message has no "type" field');
      default:
        throw new StreamError(
          'unknown-type',
          `V2 message has unknown type ${shown(type)} (expected start, image or end)`,
          { type: shown(type) },
        );
    }
  }

  private start(msg: Fields, receivedAt: number): DecodedMessage {
    const what = 'V2 start message';
    const warnings: StreamError[] = [];
    const width = requireInt(msg, 'image_size_x', what, 1);
    const height = requireInt(msg, 'image_size_y', what, 1);
    checkFramePixels(width, height, `${what} image_size_x/y`);
    const saturation = optionalNumber(msg, 'saturation_value', what);
    const imageChannels = channels(msg, what);
    const arrays = { width, height, channels: imageChannels };
    const { wavelength, photonEnergy } = wavelengthAndEnergy(
      optionalNumber(msg, 'incident_wavelength', what),
      optionalNumber(msg, 'incident_energy', what),
    );
    const start: SeriesStart = {
      type: 'series-start',
      streamVersion: 2,
      series: requireInt(msg, 'series_id', what),
      seriesUniqueId: optionalString(msg, 'series_unique_id', what),
      headerDetail: [...ARRAY_KEYS].some((k) => msg[k] !== undefined) ? 'all' : 'basic',
      detectorDescription: optionalString(msg, 'detector_description', what),
      detectorSerialNumber: optionalString(msg, 'detector_serial_number', what),
      width,
      height,
      dtype: dtypeFromName(msg['image_dtype']) ?? dtypeFromSaturation(saturation) ?? 'uint32',
      beamCenterX: optionalNumber(msg, 'beam_center_x', what),
      beamCenterY: optionalNumber(msg, 'beam_center_y', what),
      detectorDistance: this.distance(msg),
      wavelength,
      photonEnergy,
      pixelSizeX: optionalNumber(msg, 'pixel_size_x', what),
      pixelSizeY: optionalNumber(msg, 'pixel_size_y', what),
      countTime: optionalNumber(msg, 'count_time', what),
      frameTime: optionalNumber(msg, 'frame_time', what),
      numberOfImages: optionalNumber(msg, 'number_of_images', what),
      saturationValue: saturation,
      sensorMaterial: optionalString(msg, 'sensor_material', what),
      sensorThickness: optionalNumber(msg, 'sensor_thickness', what),
      channels: imageChannels,
      pixelMask: this.perChannel(msg, 'pixel_mask', 'uint32', arrays, warnings) as Record<string, Uint32Array>,
      flatfield: this.perChannel(msg, 'flatfield', 'float32', arrays, warnings) as Record<string, Float32Array>,
      countrateTable: this.countrateTable(msg, warnings),
      goniometer: goniometer(msg['goniometer']),
      userData: bounded(plain(msg['user_data'] as CborValue), MAX_USER_DATA_BYTES),
      config: config(msg),
      receivedAt,
    };
    return { kind: 'start', start, warnings };
  }

  /** |z| of detector_translation (the real EIGER2 capture has z = -0.237 m), else the configured fallback. */
  private distance(msg: Fields): number | null {
    const t = msg['detector_translation'];
    if (Array.isArray(t) && t.length === 3 && typeof t[2] === 'number' && Number.isFinite(t[2]) && t[2] !== 0) {
      return Math.abs(t[2]);
    }
    return this.options.detectorDistance ?? null;
  }

  /**
   * A per-channel header array (pixel mask, flatfield), decoded only for the image's channels
   * and only when shaped as the image: a small message could otherwise make the receiver decode
   * and hold gigabytes of arrays nobody uses.
   */
  private perChannel(
    msg: Fields,
    key: string,
    kind: 'uint32' | 'float32',
    image: { width: number; height: number; channels: string[] },
    warnings: StreamError[],
  ): Record<string, Uint32Array | Float32Array> {
    const out: Record<string, Uint32Array | Float32Array> = {};
    const map = msg[key];
    if (map === undefined) return out;
    if (!isObject(map) || map instanceof CborTag) {
      warnings.push(
        new StreamError(
          'header-array',
          `V2 start message: "${key}" must map channel to array, got ${describe(map)}; ignored`,
        ),
      );
      return out;
    }
    for (const [channel, value] of Object.entries(map)) {
      const what = `V2 start message ${key}[${channel}]`;
      try {
        if (image.channels.length > 0 && !image.channels.includes(channel)) {
          throw new StreamError(
            'header-array',
            `${what}: not one of the image's channels (${image.channels.join(', ')}); ignored`,
          );
        }
        if (Object.keys(out).length >= MAX_CHANNELS) {
          throw new StreamError('header-array', `${what}: more than ${MAX_CHANNELS} channels; ignored`);
        }
        const array = readV2Array(value as CborValue, what);
        const [rows, cols] = array.dims ?? [1, 0];
        if (rows !== image.height || cols !== image.width) {
          throw new StreamError(
            'header-array',
            `${what}: shape ${array.dims ? `${rows}x${cols}` : '1-D'} is not the image's ${image.height}x${image.width}; ignored`,
          );
        }
        out[channel] =
          kind === 'uint32'
            ? headerUint32(array, this.options.frameDecoder, what)
            : headerFloat32(array, this.options.frameDecoder, what);
      } catch (err) {
        warnings.push(asHeaderWarning(err));
      }
    }
    return out;
  }

  private countrateTable(msg: Fields, warnings: StreamError[]): Float32Array | null {
    const value = msg['countrate_correction_lookup_table'];
    if (value === undefined) return null;
    const what = 'V2 start message countrate_correction_lookup_table';
    try {
      return headerFloat32(readV2Array(value as CborValue, what), this.options.frameDecoder, what);
    } catch (err) {
      warnings.push(asHeaderWarning(err));
      return null;
    }
  }
}

function asHeaderWarning(err: unknown): StreamError {
  const message = err instanceof Error ? err.message : String(err);
  const details = err instanceof StreamError ? { cause: err.reason } : {};
  return new StreamError('header-array', `${message}; array ignored, header kept`, details);
}

function parseMessage(message: Uint8Array): Fields {
  let value: CborValue;
  try {
    value = readCbor(message);
  } catch (err) {
    if (err instanceof CborError)
      throw new StreamError(
        'malformed-cbor',
        `V2 message of ${message.byteLength} bytes is not valid CBOR: ${err.message}`,
      );
    throw err;
  }
  if (!isObject(value) || value instanceof CborTag) {
    throw new StreamError('malformed-cbor', `V2 message must be a CBOR map, got ${describe(value)}`);
  }
  return value;
}

/**
 * The image's frames, one per channel. A channel that cannot be used is dropped with a warning
 * while the others are kept (a bad second threshold must not cost the first); an image none of
 * whose channels can be used is rejected with the first channel's error.
 */
function image(msg: Fields, tracker: SeriesTracker, receivedAt: number): { frames: Frame[]; warnings: StreamError[] } {
  const imageId = requireInt(msg, 'image_id', 'V2 image message');
  const what = `V2 image ${imageId}`;
  const series = requireInt(msg, 'series_id', what);
  tracker.require('image', series, optionalString(msg, 'series_unique_id', what));
  const data = msg['data'];
  if (!isObject(data) || data instanceof CborTag || Object.keys(data).length === 0) {
    throw new StreamError('bad-field', `${what}: "data" must map channel to array, got ${describe(data)}`);
  }
  const common: FrameCommon = {
    type: 'frame',
    series,
    frame: imageId,
    receivedAt,
    startTime: seconds(msg, 'start_time', what),
    stopTime: seconds(msg, 'stop_time', what),
    realTime: seconds(msg, 'real_time', what),
    // Not bounded: a frame event lives only until it is dispatched (a series start is kept).
    userData: plain(msg['user_data'] as CborValue),
  };
  const frames: Frame[] = [];
  const warnings: StreamError[] = [];
  let firstError: StreamError | null = null;
  for (const [channel, value] of Object.entries(data)) {
    try {
      frames.push(channelFrame(channel, value as CborValue, common, what));
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      firstError ??= err;
      warnings.push(
        new StreamError(err.reason, `${err.message}; channel dropped, the image's other channels kept`, err.details),
      );
    }
  }
  if (frames.length === 0) throw firstError!;
  return { frames, warnings };
}

/** What all the channels of one image share. */
type FrameCommon = Omit<Frame, 'channel' | 'width' | 'height' | 'dtype' | 'encoding' | 'data'>;

function channelFrame(channel: string, value: CborValue, common: FrameCommon, what: string): Frame {
  const where = `${what} channel ${channel}`;
  const array = readV2Array(value, where);
  if (!array.dims) throw new StreamError('bad-field', `${where}: image data must be a tag-40 array with [rows, cols]`);
  const [height, width] = array.dims;
  const dtype = pixelDtypeOf(array, where);
  const encoding = encodingOf(array, where);
  let bytes = array.bytes;
  if (needsSwap(array.element)) {
    if (array.compression) {
      throw new StreamError(
        'unknown-encoding',
        `${where}: compressed big-endian pixels are not supported (only little-endian output can be decoded)`,
      );
    }
    bytes = byteSwapped(bytes, array.element.size); // rare: the one case where a frame is copied
  }
  checkEncodedSize(bytes, encoding, width, height, where);
  return { ...common, channel, width, height, dtype, encoding, data: bytes };
}

/** A rational [num, den] (or a plain number) in seconds; null when absent. */
function seconds(msg: Fields, key: string, what: string): number | null {
  const v = msg[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' && v[1] > 0)
    return v[0] / v[1];
  throw new StreamError(
    'bad-field',
    `${what}: "${key}" must be a rational [num, den] with den > 0, got ${shown(plain(v as CborValue))}`,
    { field: key },
  );
}

/** Channels (energy thresholds) per series, at most: EIGER2 detectors have two. */
const MAX_CHANNELS = 4;

function channels(msg: Fields, what: string): string[] {
  const v = msg['channels'];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((c) => typeof c === 'string')) {
    throw new StreamError('bad-field', `${what}: "channels" must be an array of strings`, { field: 'channels' });
  }
  return v as string[];
}

function goniometer(v: unknown): Record<string, GoniometerAxis> {
  const out: Record<string, GoniometerAxis> = {};
  if (!isObject(v) || v instanceof CborTag) return out;
  for (const [axis, value] of Object.entries(v)) {
    if (isObject(value) && typeof value['start'] === 'number' && typeof value['increment'] === 'number') {
      out[axis] = { start: value['start'], increment: value['increment'] };
    }
  }
  return out;
}

function config(msg: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(msg)) {
    if (!ARRAY_KEYS.has(key) && key !== 'user_data')
      out[key] = bounded(plain(value as CborValue), MAX_CONFIG_VALUE_BYTES);
  }
  return out;
}

/** CBOR value → plain JS: date-times stay RFC 3339 text, other tags become {tag, value}. */
function plain(v: CborValue): unknown {
  if (v instanceof CborTag) {
    if (v.tag === TAG_DATE_TIME && typeof v.value === 'string') return v.value;
    if (v.tag === TAG_EPOCH_TIME && typeof v.value === 'number') return new Date(v.value * 1000).toISOString();
    return { tag: v.tag, value: plain(v.value) };
  }
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return v;
  if (isObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x as CborValue);
    return out;
  }
  return v;
}
