// The hit-file layer's interface: what the writer process hands the NXmx series writer (one
// series' metadata, then one hit frame at a time) and the records it gets back for the files it
// completed. The layout these become is in nxmxLayout.ts.
import type { GeometryParams } from '../../stages/geometry/DetectorGeometry.js';
import type { FileRecord } from '../records.js';

/** A file the writer completed: the output vocabulary's record (records.ts). */
export type { FileRecord };

/** One series' metadata, fixed for its files. The geometry (GeometryParams): width, height,
 * beamCenterX/Y in pixels (fast, slow) from the corner of the first pixel, distance in metres,
 * wavelength in angstrom, pixelSizeX/Y in metres. */
export interface HitFileSeries extends GeometryParams {
  /** Absolute; must exist and be writable. */
  directory: string;
  /** Base file name, no directory (see freePrefix). */
  prefix: string;
  /** Frames per data file (1000 upstream, as DECTRIS). */
  framesPerFile: number;
  series: number;
  seriesUniqueId: string | null;
  dtype: 'uint8' | 'uint16' | 'uint32';
  /** Seconds. */
  countTime: number | null;
  frameTime: number | null;
  saturationValue: number | null;
  sensorMaterial: string | null;
  /** Metres. */
  sensorThickness: number | null;
  detectorDescription: string | null;
  detectorSerialNumber: string | null;
  /** The analysed channel's DECTRIS pixel mask, width * height, nonzero = bad. */
  pixelMask: Uint32Array | null;
  /** The analysed channel's name (multi-channel V2 series: only that channel is written). */
  channel: string;
  /** Milliseconds since the epoch. */
  startedAt: number;
}

/** The analysis result of a frame, as the files keep it. */
export interface HitFrameResult {
  n_spots: number;
  n_spots_no_ice: number;
  n_spots_4A: number;
  d_min: number | null;
  hit: boolean;
  flags: string[];
  total_intensity: number;
  /** x, y, intensity; DIALS pixel convention (the first pixel's centre is at 0.5, 0.5). */
  spots: [number, number, number][];
}

export interface HitFrame {
  /** The detector's 0-based image number. */
  image: number;
  /** Bitshuffle + LZ4 with the 12-byte header (an HDF5 filter 32008 chunk); elemSize = dtype bytes. */
  chunk: Uint8Array;
  /** Detector frame start, seconds since the series start. */
  startTime: number | null;
  /** Milliseconds since the epoch. */
  receivedAt: number;
  result: HitFrameResult;
}
