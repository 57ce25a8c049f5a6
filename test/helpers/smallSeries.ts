// A small V2 series for pipeline tests: 64 x 64 uint16 frames of flat noise (no spots), with
// a geometry the analysis can use, sent as the detector would (start, images, end).
import { Encoder, Tag } from 'cbor-x';

export const SMALL_WIDTH = 64;
export const SMALL_HEIGHT = 64;
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

/** One CBOR-encoded V2 message. */
export const v2Message = (fields: object): Buffer => Buffer.from(cbor.encode(fields));

/** A flat, noisy frame (tag 40 around a little-endian uint16 typed array, tag 69). */
export function smallImage(seed: number): Tag {
  const a = new Uint16Array(SMALL_WIDTH * SMALL_HEIGHT);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 2654435761 + seed * 40503) >>> 28) & 7;
  return new Tag([[SMALL_HEIGHT, SMALL_WIDTH], new Tag(new Uint8Array(a.buffer), 69)], 40);
}

export interface SmallSeriesOptions {
  /** Fields added to, or overriding, the start message's. */
  start?: Record<string, unknown>;
  channels?: string[];
  /** Image numbers to send, in order (default 0 .. frames-1). */
  imageIds?: number[];
}

/** The messages of a series of `frames` images under detector series id `series`. */
export function smallSeriesMessages(
  series: number,
  frames: number,
  options: SmallSeriesOptions = {},
): { start: Buffer; images: Buffer[]; end: Buffer } {
  const channels = options.channels ?? ['threshold_1'];
  const ids = options.imageIds ?? Array.from({ length: frames }, (_, i) => i);
  return {
    start: v2Message({
      type: 'start',
      series_id: series,
      series_unique_id: `S${series}-${Math.random()}`,
      image_size_x: SMALL_WIDTH,
      image_size_y: SMALL_HEIGHT,
      image_dtype: 'uint16',
      channels,
      beam_center_x: 32,
      beam_center_y: 32,
      incident_wavelength: 1,
      pixel_size_x: 75e-6,
      pixel_size_y: 75e-6,
      detector_translation: [0, 0, -0.2],
      number_of_images: frames,
      ...options.start,
    }),
    images: ids.map((i) => {
      const data: Record<string, Tag> = {};
      channels.forEach((c, k) => (data[c] = smallImage(i + 3 * k)));
      return v2Message({ type: 'image', series_id: series, image_id: i, data });
    }),
    end: v2Message({ type: 'end', series_id: series }),
  };
}
