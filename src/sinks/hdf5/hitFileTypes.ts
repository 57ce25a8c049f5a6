// What the hit-file writer is told: a series' description (what NXmx needs of it) and each
// frame to write (its bitshuffle+LZ4 chunk and its per-image results). Shared by the pipeline
// side (HitFiles) and the writer process (NxmxSeriesWriter).
import type { FrameResult } from '../records.js';

export interface HitFileSeries {
  /** Absolute; must exist and be writable. */
  directory: string;
  /** Base file name, no directory: <prefix>_master.h5, <prefix>_data_000001.h5, <prefix>.geom. */
  prefix: string;
  framesPerFile: number;
  series: number;
  seriesUniqueId: string | null;
  width: number;
  height: number;
  dtype: 'uint8' | 'uint16' | 'uint32';
  /** Pixels (fast, slow). */
  beamCenterX: number;
  beamCenterY: number;
  /** Metres. */
  distance: number;
  /** Angstrom. */
  wavelength: number;
  /** Metres. */
  pixelSizeX: number;
  pixelSizeY: number;
  countTime: number | null;
  frameTime: number | null;
  saturationValue: number | null;
  sensorMaterial: string | null;
  /** Metres. */
  sensorThickness: number | null;
  detectorDescription: string | null;
  detectorSerialNumber: string | null;
  /** The analysed channel's DECTRIS pixel mask, width*height. */
  pixelMask: Uint32Array | null;
  /** The analysed channel (a multi-channel V2 series writes only that one). */
  channel: string;
  /** Ms since the epoch. */
  startedAt: number;
}

/** The per-image results a hit file keeps next to the pixels. */
export type HitResult = Pick<
  FrameResult,
  'n_spots' | 'n_spots_no_ice' | 'n_spots_4A' | 'd_min' | 'hit' | 'flags' | 'total_intensity' | 'spots'
>;

export interface HitFrame {
  /** The detector's 0-based image number. */
  image: number;
  /** Bitshuffle+LZ4 with the 12-byte header, elemSize = the dtype's bytes. */
  chunk: Uint8Array;
  /** Detector frame start, s since the series start. */
  startTime: number | null;
  /** Ms since the epoch. */
  receivedAt: number;
  result: HitResult;
}
