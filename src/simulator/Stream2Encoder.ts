// Builds stream V2 (CBOR) messages as an EIGER2 detector sends them: one map per message, the
// self-describe prefix d9d9f7, `type` as the first key, arrays as tag 40 [[rows, cols], typed
// array], typed arrays as RFC 8746 tags (69 u16 LE, 70 u32 LE, 85 f32 LE) around the DECTRIS
// compression tag 56500 ["bslz4", elem, bytes]; times as [ticks, 50 MHz] rationals. See the wire
// format reference §2.
import { addExtension, Encoder, Tag } from 'cbor-x';
import { encodePixels } from '../codec/FrameEncoder.js';
import { CHANNEL, Stream2ImageHead } from './Stream2ImageHead.js';
import { countrateTable, flatfield, thresholdEnergy, type SimulatedSeries } from './SimulatedSeries.js';
import {
  TAG_COMPRESSED,
  TAG_DATE_TIME,
  TAG_FLOAT32_LE,
  TAG_MULTI_DIM_ROW_MAJOR,
  TAG_UINT32_LE,
} from '../receiver/v2/cborTags.js';

const SELF_DESCRIBE = Buffer.from([0xd9, 0xd9, 0xf7]);

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

export class Stream2Encoder {
  readonly setup: SimulatedSeries;
  private head: Stream2ImageHead | undefined;

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
   * An image message carrying one bslz4 blob (with its 12-byte header) for the one channel, in a
   * buffer of its own: the blob is copied once, straight into the message (the simulator's pool
   * reuses messages instead, see ReusableImageMessages.ts).
   */
  image(frame: number, blob: Uint8Array): Buffer {
    const head = this.imageHead();
    const before = head.size(frame, blob.length);
    const out = Buffer.allocUnsafe(before + blob.length + head.tail.length);
    head.writeEndingAt(out, before, frame, blob.length);
    out.set(blob, before);
    head.tail.copy(out, before + blob.length);
    return out;
  }

  /** The invariant bytes of this series' image messages (built on first use). */
  imageHead(): Stream2ImageHead {
    this.head ??= new Stream2ImageHead(this.setup);
    return this.head;
  }

  end(): Buffer {
    return encodeMessage({ type: 'end', ...this.ids() });
  }
}
