// V1 global header (dheader-1.0): 1, 2 or 8 parts by header_detail (none/basic/all), plus one
// raw appendix part when header_appendix is set (recognised by the part count).
import type { GoniometerAxis, SeriesStart } from '../events.js';
import type { DecodedMessage } from '../DecodedMessage.js';
import { optionalNumber, optionalString, requireInt, wavelengthAndEnergy, type Fields, shown } from '../fields.js';
import { dtypeFromBits, dtypeFromName, dtypeFromSaturation } from '../pixelDtype.js';
import { copyBytes } from '../copyBytes.js';
import { checkFramePixels } from '../frameSizeCheck.js';
import { StreamError } from '../StreamError.js';
import { expectHtype, parseJsonPart, utf8 } from './jsonPart.js';
import { bounded, MAX_USER_DATA_BYTES } from '../boundedValues.js';

type HeaderDetail = SeriesStart['headerDetail'];
const PARTS_BY_DETAIL: Record<HeaderDetail, number> = { none: 1, basic: 2, all: 8 };

/** V1 config keys that are booleans sent as 0/1 on firmware 1.6; turned into true/false in `config`. */
const BOOLEAN_KEYS = new Set([
  'auto_summation',
  'countrate_correction_applied',
  'efficiency_correction_applied',
  'flatfield_correction_applied',
  'pixel_mask_applied',
  'virtual_pixel_correction_applied',
  'mask_to_zero',
  'retrigger',
]);

export interface V1HeaderOptions {
  /** Distance (m) used when the header has no positive detector_distance. */
  detectorDistance?: number | null;
}

export function decodeV1Header(
  parts: Uint8Array[],
  first: Fields,
  receivedAt: number,
  options: V1HeaderOptions,
): DecodedMessage {
  const what = 'V1 header';
  const series = requireInt(first, 'series', what);
  const detail = first['header_detail'];
  if (detail !== 'all' && detail !== 'basic' && detail !== 'none') {
    throw new StreamError('bad-field', `${what}: header_detail must be "all", "basic" or "none", got ${shown(detail)}`);
  }
  const expected = PARTS_BY_DETAIL[detail];
  if (parts.length !== expected && parts.length !== expected + 1) {
    throw new StreamError(
      'part-count',
      `${what} (header_detail ${detail}) has ${parts.length} parts; expected ${expected}, or ${expected + 1} with an appendix`,
      { parts: parts.length, expected },
    );
  }
  const config = detail === 'none' ? {} : parseJsonPart(parts[1]!, `${what} part 2 (detector config)`);
  const warnings: StreamError[] = [];
  const width = positiveInt(config['x_pixels_in_detector']);
  const height = positiveInt(config['y_pixels_in_detector']);
  if (width !== null && height !== null) checkFramePixels(width, height, `${what} x/y_pixels_in_detector`);
  const arrays =
    detail === 'all' ? headerArrays(parts, width, height, warnings) : { flatfield: null, mask: null, countrate: null };
  const start = seriesStart(series, detail, config, options, receivedAt);
  if (arrays.flatfield) start.flatfield['threshold_1'] = arrays.flatfield;
  if (arrays.mask) start.pixelMask['threshold_1'] = arrays.mask;
  start.countrateTable = arrays.countrate;
  if (parts.length === expected + 1) start.userData = bounded(utf8(parts[expected]!), MAX_USER_DATA_BYTES);
  return { kind: 'start', start, warnings };
}

function seriesStart(
  series: number,
  detail: HeaderDetail,
  config: Fields,
  options: V1HeaderOptions,
  receivedAt: number,
): SeriesStart {
  const what = 'V1 header config';
  const num = (key: string) => optionalNumber(config, key, what);
  const saturation = num('countrate_correction_count_cutoff');
  const nimages = num('nimages');
  const ntrigger = num('ntrigger');
  const distance = num('detector_distance');
  const { wavelength, photonEnergy } = wavelengthAndEnergy(num('wavelength'), num('photon_energy'));
  return {
    type: 'series-start',
    streamVersion: 1,
    series,
    seriesUniqueId: null,
    headerDetail: detail,
    detectorDescription: optionalString(config, 'description', what),
    detectorSerialNumber: optionalString(config, 'detector_number', what),
    // header_detail "none" carries no configuration: shape and type unknown (frames carry theirs).
    width: positiveInt(config['x_pixels_in_detector']),
    height: positiveInt(config['y_pixels_in_detector']),
    dtype:
      dtypeFromName(config['image_dtype']) ??
      dtypeFromBits(num('bit_depth_image')) ??
      dtypeFromSaturation(saturation) ??
      dtypeFromBits(num('bit_depth_readout')),
    beamCenterX: num('beam_center_x'),
    beamCenterY: num('beam_center_y'),
    detectorDistance: distance !== null && distance > 0 ? distance : (options.detectorDistance ?? distance),
    wavelength,
    photonEnergy,
    pixelSizeX: num('x_pixel_size'),
    pixelSizeY: num('y_pixel_size'),
    countTime: num('count_time'),
    frameTime: num('frame_time'),
    numberOfImages: nimages === null ? null : nimages * (ntrigger ?? 1),
    saturationValue: saturation,
    sensorMaterial: optionalString(config, 'sensor_material', what),
    sensorThickness: num('sensor_thickness'),
    channels: ['threshold_1'],
    pixelMask: {},
    flatfield: {},
    countrateTable: null,
    goniometer: goniometer(config),
    userData: null,
    config: normalisedConfig(config),
    receivedAt,
  };
}

/** Axes that have both `<axis>_start` and `<axis>_increment`. */
function goniometer(config: Fields): Record<string, GoniometerAxis> {
  const out: Record<string, GoniometerAxis> = {};
  for (const [key, start] of Object.entries(config)) {
    if (!key.endsWith('_start') || typeof start !== 'number') continue;
    const axis = key.slice(0, -'_start'.length);
    const increment = config[`${axis}_increment`];
    if (typeof increment === 'number') out[axis] = { start, increment };
  }
  return out;
}

function normalisedConfig(config: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    out[key] = BOOLEAN_KEYS.has(key) && (value === 0 || value === 1) ? value === 1 : value;
  }
  return out;
}

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null;
}

interface HeaderArrays {
  flatfield: Float32Array | null;
  mask: Uint32Array | null;
  countrate: Float32Array | null;
}

/**
 * Parts 3-8 of an "all" header. Each problem drops that array with a warning and keeps the header;
 * an empty blob means the array was not sent (the real capture's flatfield and mask are empty).
 */
function headerArrays(
  parts: Uint8Array[],
  width: number | null,
  height: number | null,
  warnings: StreamError[],
): HeaderArrays {
  const read = <T>(
    index: number,
    htype: string,
    dtype: string,
    make: (blob: Uint8Array, shape: [number, number]) => T,
  ): T | null => {
    const what = `V1 header part ${index + 1} (${htype})`;
    try {
      const desc = parseJsonPart(parts[index]!, what);
      expectHtype(desc, htype, what);
      const blob = parts[index + 1]!;
      if (blob.byteLength === 0) return null;
      const shape = desc['shape'];
      if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => positiveInt(d) !== null)) {
        throw new StreamError('bad-field', `${what}: shape must be [x, y] positive integers, got ${shown(shape)}`);
      }
      if (desc['type'] !== dtype)
        throw new StreamError('unknown-encoding', `${what}: type ${shown(desc['type'])}, expected "${dtype}"`);
      const [x, y] = shape as [number, number];
      checkFramePixels(x, y, what);
      if (blob.byteLength !== x * y * 4) {
        throw new StreamError(
          'blob-size',
          `${what}: blob has ${blob.byteLength} bytes but shape [${x},${y}] x 4 B needs ${x * y * 4}`,
        );
      }
      return make(blob, [x, y]);
    } catch (err) {
      if (!(err instanceof StreamError)) throw err;
      warnings.push(
        new StreamError('header-array', `${err.message}; array ignored, header kept`, { cause: err.reason }),
      );
      return null;
    }
  };
  const imageShaped = (what: string, shape: [number, number]) => {
    if (width !== null && height !== null && (shape[0] !== width || shape[1] !== height)) {
      throw new StreamError(
        'bad-field',
        `${what}: shape [${shape[0]},${shape[1]}] differs from the detector's ${width}x${height}`,
      );
    }
  };
  return {
    flatfield: read(
      2,
      'dflatfield',
      'float32',
      (blob, shape) => (imageShaped('V1 flatfield', shape), float32View(blob)),
    ),
    mask: read(4, 'dpixelmask', 'uint32', (blob, shape) => (imageShaped('V1 pixel mask', shape), uint32View(blob))),
    countrate: read(6, 'dcountrate_table', 'float32', (blob, shape) => {
      if (shape[0] !== 2)
        throw new StreamError('bad-field', `V1 countrate table: shape must be [2, N], got [${shape[0]},${shape[1]}]`);
      return float32View(blob);
    }),
  };
}

/** Little-endian blobs read as native arrays: a view when aligned, else one copy (once per series). */
function float32View(blob: Uint8Array): Float32Array {
  const aligned = blob.byteOffset % 4 === 0 ? blob : copyBytes(blob);
  return new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}

function uint32View(blob: Uint8Array): Uint32Array {
  const aligned = blob.byteOffset % 4 === 0 ? blob : copyBytes(blob);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}
