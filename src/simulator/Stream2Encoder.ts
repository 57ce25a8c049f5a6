// Builds stream V2 (CBOR) messages as an EIGER2 detector sends them: one map per message, the
// self-describe prefix d9d9f7, `type` as the first key, arrays as tag 40 [[rows, cols], typed
// array], typed arrays as RFC 8746 tags (69 u16 LE, 70 u32 LE, 85 f32 LE) around the DECTRIS
// compression tag 56500 ["bslz4", elem, bytes]; times as [ticks, 50 MHz] rationals. See the wire
// format reference §2.
import { addExtension, Encoder, Tag } from 'cbor-x';
import { encodePixels } from '../codec/FrameEncoder.js';
import {
  CLOCK_HZ,
  countrateTable,
  flatfield,
  frameTicks,
  thresholdEnergy,
  type SimulatedSeries,
} from './SimulatedSeries.js';
import {
  TAG_COMPRESSED,
  TAG_DATE_TIME,
  TAG_FLOAT32_LE,
  TAG_MULTI_DIM_ROW_MAJOR,
  TAG_UINT16_LE,
  TAG_UINT32_LE,
} from '../receiver/v2/cborTags.js';

const SELF_DESCRIBE = Buffer.from([0xd9, 0xd9, 0xf7]);
export const CHANNEL = 'threshold_1';

const encoder = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false });

/**
 * A value the detector types as Float: always written as a binary64, even when integral (cbor-x
 * writes integral numbers as integers, and strict decoders reject an integer where a float is due).
 */
class CborFloat {
  constructor(readonly value: number) {}
}

interface FloatForcingEncoder {
  alwaysUseFloat?: boolean;
}

const floatExtension = {
  Class: CborFloat,
  // No tag: the value is written in place.
  tag: undefined,
  encode(this: FloatForcingEncoder, instance: CborFloat, encode: (value: unknown) => void) {
    const previous = this.alwaysUseFloat;
    this.alwaysUseFloat = true;
    try {
      encode(instance.value);
    } finally {
      this.alwaysUseFloat = previous;
    }
  },
};
// cbor-x's typings require a tag and a returned buffer; an untagged in-place encoder is supported at run time.
addExtension(floatExtension as unknown as Parameters<typeof addExtension>[0]);

/** Marks a number as a CBOR float. */
export function float(value: number): CborFloat {
  return new CborFloat(value);
}

/** Encodes one message: the self-describe prefix, then the map. */
export function encodeMessage(map: Record<string, unknown>): Buffer {
  const body = encoder.encode(map);
  return Buffer.concat([SELF_DESCRIBE, body], SELF_DESCRIBE.length + body.length);
}

/** CBOR integer: numbers up to 2^32-1 as they are; larger ones as 64-bit (cbor-x writes big numbers as floats). */
function uint(n: number): number | bigint {
  return n <= 0xffffffff ? n : BigInt(n);
}

function rational(ticks: number): [number | bigint, number] {
  return [uint(ticks), CLOCK_HZ];
}

/** RFC 3339 time with milliseconds and a numeric offset, as the detector writes it. */
function dateTime(date: Date): Tag {
  return new Tag(date.toISOString().replace('Z', '+00:00'), TAG_DATE_TIME);
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** tag 40 [[rows, cols], tag <typed> (tag 56500 ["bslz4", elem, blob])]. */
export function compressedArray(rows: number, cols: number, typedTag: number, elemSize: number, blob: Uint8Array): Tag {
  const compressed = new Tag(['bslz4', elemSize, bytesOf(blob)], TAG_COMPRESSED);
  return new Tag([[rows, cols], new Tag(compressed, typedTag)], TAG_MULTI_DIM_ROW_MAJOR);
}

/** Stands in for the blob while the map is encoded; cannot occur in the rest of an image message. */
const PLACEHOLDER = Buffer.from('\u0000sp-blob-placeholder-8d2f\u0000', 'latin1');
const PLACEHOLDER_ENCODED = Buffer.concat([Buffer.from([0x58, PLACEHOLDER.length]), PLACEHOLDER]);

/** CBOR byte-string header (major type 2) for a length. */
function byteStringHeader(length: number): Buffer {
  if (length < 24) return Buffer.from([0x40 | length]);
  if (length < 0x100) return Buffer.from([0x58, length]);
  if (length < 0x10000) return Buffer.from([0x59, length >> 8, length & 0xff]);
  if (length <= 0xffffffff) {
    const h = Buffer.alloc(5);
    h[0] = 0x5a;
    h.writeUInt32BE(length, 1);
    return h;
  }
  const h = Buffer.alloc(9);
  h[0] = 0x5b;
  h.writeBigUInt64BE(BigInt(length), 1);
  return h;
}

/** prefix + encoded map, with the placeholder byte string replaced by `blob`. */
function spliceBlob(encoded: Uint8Array, blob: Uint8Array): Buffer {
  const body = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const at = body.indexOf(PLACEHOLDER_ENCODED);
  if (at < 0) throw new Error('Stream2Encoder: blob placeholder not found in the encoded message');
  const header = byteStringHeader(blob.length);
  const tail = body.subarray(at + PLACEHOLDER_ENCODED.length);
  const out = Buffer.allocUnsafe(SELF_DESCRIBE.length + at + header.length + blob.length + tail.length);
  let o = SELF_DESCRIBE.copy(out, 0);
  o += body.copy(out, o, 0, at);
  o += header.copy(out, o);
  o += Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).copy(out, o);
  tail.copy(out, o);
  return out;
}

export class Stream2Encoder {
  readonly setup: SimulatedSeries;

  constructor(setup: SimulatedSeries) {
    this.setup = setup;
  }

  private ids(): { series_id: number; series_unique_id: string } {
    return { series_id: this.setup.series, series_unique_id: this.setup.seriesUniqueId };
  }

  start(): Buffer {
    const s = this.setup;
    const g = s.geometry;
    const { width, height } = s.model;
    const all = s.headerDetail === 'all';
    const map: Record<string, unknown> = {
      type: 'start',
      ...this.ids(),
      arm_date: dateTime(s.armDate),
      beam_center_x: float(g.beamCenterX),
      beam_center_y: float(g.beamCenterY),
      channels: [CHANNEL],
      count_time: float(s.countTime),
      countrate_correction_enabled: true,
    };
    if (all) {
      const table = countrateTable(s);
      map.countrate_correction_lookup_table = new Tag(bytesOf(table), TAG_FLOAT32_LE);
    }
    map.detector_description = s.model.description;
    map.detector_serial_number = s.model.serialNumber;
    map.detector_translation = [float(0), float(0), float(g.distance)];
    if (all) {
      const ff = encodePixels(new Uint32Array(flatfield(s).buffer), { codec: 'bslz4', elemSize: 4, name: 'bslz4' });
      map.flatfield = { [CHANNEL]: compressedArray(height, width, TAG_FLOAT32_LE, 4, ff) };
    }
    map.flatfield_enabled = true;
    map.frame_time = float(s.frameTime);
    const still = () => ({ increment: float(0), start: float(0) });
    map.goniometer = { chi: still(), kappa: still(), omega: still(), phi: still(), two_theta: still() };
    map.image_dtype = s.dtype;
    map.image_size_x = width;
    map.image_size_y = height;
    map.incident_energy = float(s.model.photonEnergy);
    map.incident_wavelength = float(g.wavelength);
    map.number_of_images = s.nimages;
    if (all) {
      const mask = encodePixels(s.model.pixelMask(), { codec: 'bslz4', elemSize: 4, name: 'bslz4' });
      map.pixel_mask = { [CHANNEL]: compressedArray(height, width, TAG_UINT32_LE, 4, mask) };
    }
    map.pixel_mask_enabled = true;
    map.pixel_size_x = float(g.pixelSizeX);
    map.pixel_size_y = float(g.pixelSizeY);
    map.saturation_value = s.model.saturationValue(s.dtype);
    map.sensor_material = s.model.sensorMaterial;
    map.sensor_thickness = float(s.model.sensorThickness);
    map.threshold_energy = { [CHANNEL]: float(thresholdEnergy(s)) };
    if (s.headerAppendix !== undefined) map.user_data = s.headerAppendix;
    map.virtual_pixel_interpolation_enabled = true;
    return encodeMessage(map);
  }

  /**
   * An image message carrying one bslz4 blob (with its 12-byte header) for the one channel.
   * The map is encoded around a small placeholder byte string which is then replaced by the blob,
   * so the multi-MB blob is copied once (straight into the message) instead of through cbor-x.
   */
  image(frame: number, blob: Uint8Array): Buffer {
    const s = this.setup;
    const t = frameTicks(s, frame);
    const elemSize = s.dtype === 'uint16' ? 2 : 4;
    const typedTag = s.dtype === 'uint16' ? TAG_UINT16_LE : TAG_UINT32_LE;
    const map: Record<string, unknown> = {
      type: 'image',
      ...this.ids(),
      image_id: frame,
      real_time: rational(t.real),
      series_date: dateTime(s.armDate),
      start_time: rational(t.start),
      stop_time: rational(t.stop),
      data: { [CHANNEL]: compressedArray(s.model.height, s.model.width, typedTag, elemSize, PLACEHOLDER) },
    };
    if (s.imageAppendix !== undefined) map.user_data = s.imageAppendix;
    return spliceBlob(encoder.encode(map), blob);
  }

  end(): Buffer {
    return encodeMessage({ type: 'end', ...this.ids() });
  }
}
