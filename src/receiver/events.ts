// The typed events the receiver produces from a DECTRIS stream (V1 JSON multipart or V2 CBOR).
// Everything downstream (stages, sinks, tools) speaks in these types, never in wire formats.

export type PixelDtype = 'uint8' | 'uint16' | 'uint32';

/** How a frame's bytes are packed on the wire. */
export type Codec =
  | 'raw' //            V1 "<": little-endian pixels
  | 'lz4-block' //      V1 "lz4<": one bare LZ4 block of the whole frame, no header
  | 'lz4' //            V2 "lz4": 12-byte HDF5-style header, then length-prefixed LZ4 blocks
  | 'bslz4'; //         V1 "bsNN-lz4<" / V2 "bslz4": 12-byte header, bitshuffled LZ4 blocks

export interface FrameEncoding {
  codec: Codec;
  /** Bytes per pixel of the decoded data. */
  elemSize: 1 | 2 | 4;
  /** The encoding as the detector named it, e.g. "bs16-lz4<" or "bslz4". */
  name: string;
}

export interface GoniometerAxis {
  start: number;
  increment: number;
}

export interface SeriesStart {
  type: 'series-start';
  streamVersion: 1 | 2;
  series: number;
  /** V2 only: the detector's unique id for the series (a ULID on real detectors). */
  seriesUniqueId: string | null;
  /** V1 header_detail ("all" | "basic" | "none"); V2: "all" when arrays were sent, else "basic". */
  headerDetail: 'all' | 'basic' | 'none';
  detectorDescription: string | null;
  detectorSerialNumber: string | null;
  /** Frame shape and pixel type as announced; null when the header did not say (V1
   * header_detail "none"): the frames then tell, each carrying its own. */
  width: number | null;
  height: number | null;
  dtype: PixelDtype | null;
  /** Beam centre in pixels (fast, slow). */
  beamCenterX: number | null;
  beamCenterY: number | null;
  /** Sample-detector distance in metres; V2 derives it from detector_translation or configuration. */
  detectorDistance: number | null;
  /** Incident wavelength in angstrom and photon energy in eV (one derived from the other when missing). */
  wavelength: number | null;
  photonEnergy: number | null;
  /** Pixel size in metres. */
  pixelSizeX: number | null;
  pixelSizeY: number | null;
  countTime: number | null;
  frameTime: number | null;
  numberOfImages: number | null;
  /** Largest valid count; pixels above it are saturated or invalid. */
  saturationValue: number | null;
  sensorMaterial: string | null;
  sensorThickness: number | null;
  /** Channel names in the order frames carry them (V1: ["threshold_1"]). */
  channels: string[];
  /** Pixel mask per channel (row-major, width*height), when header_detail is "all". */
  pixelMask: Record<string, Uint32Array>;
  flatfield: Record<string, Float32Array>;
  /** Count-rate correction table, shape [2, N] row-major. */
  countrateTable: Float32Array | null;
  goniometer: Record<string, GoniometerAxis>;
  /** V1 header appendix (raw string) or V2 user_data. */
  userData: unknown;
  /** Every scalar configuration value the detector sent, by its detector API name. */
  config: Record<string, unknown>;
  /** Arrival time, ms since the epoch. */
  receivedAt: number;
}

export interface Frame {
  type: 'frame';
  series: number;
  /** 0-based image number within the series. */
  frame: number;
  channel: string;
  width: number;
  height: number;
  dtype: PixelDtype;
  encoding: FrameEncoding;
  /** The compressed bytes exactly as received (a view into the ZeroMQ message; not copied). */
  data: Uint8Array;
  /** Times relative to the series start, in seconds (V1 dconfig ticks scaled; V2 rationals). */
  startTime: number | null;
  stopTime: number | null;
  realTime: number | null;
  /** V1 image appendix (raw string) or V2 user_data. */
  userData: unknown;
  receivedAt: number;
}

export interface SeriesEnd {
  type: 'series-end';
  series: number;
  seriesUniqueId: string | null;
  /** False when the series was cut short (a new header arrived first, or the receiver stopped). */
  complete: boolean;
  reason: string | null;
  framesReceived: number;
  receivedAt: number;
}

export type StreamEvent = SeriesStart | Frame | SeriesEnd;
