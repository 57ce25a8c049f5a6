// Everything a simulated acquisition announces about itself, shared by the V1 and V2 encoders:
// detector, pixel type, timing, geometry and the detector configuration values.
import type { DetectorGeometry } from '../stages/geometry/DetectorGeometry.js';
import { defaultGeometry } from './BackgroundModel.js';
import type { DetectorModel } from './DetectorModel.js';
import type { SynthDtype } from './FrameSynth.js';
import { Prng } from './Prng.js';

export type HeaderDetail = 'all' | 'basic' | 'none';

export type HeaderAppendix = string | Record<string, unknown>;

/** The detector's time base: 50 MHz (20 ns ticks), as in real V1 dconfig and V2 rationals. */
export const CLOCK_HZ = 50_000_000;

export interface SimulatedSeries {
  model: DetectorModel;
  dtype: SynthDtype;
  series: number;
  /** V2 series_unique_id (ULID-shaped). */
  seriesUniqueId: string;
  nimages: number;
  countTime: number;
  frameTime: number;
  headerDetail: HeaderDetail;
  /** V1 raw header appendix / V2 start user_data; omitted when undefined. An object is sent
   * as its JSON text in V1 and as a CBOR map in V2 (a grid scan's description). */
  headerAppendix?: HeaderAppendix;
  /** V1 raw image appendix / V2 image user_data; omitted when undefined. */
  imageAppendix?: string;
  armDate: Date;
  geometry: DetectorGeometry;
}

export interface SimulatedSeriesInput {
  model: DetectorModel;
  dtype: SynthDtype;
  series: number;
  nimages: number;
  /** Frame period in seconds. */
  frameTime: number;
  headerDetail?: HeaderDetail;
  headerAppendix?: HeaderAppendix;
  imageAppendix?: string;
  armDate?: Date;
  /** Seeds the unique id so a seeded simulation is reproducible. */
  seed?: number;
}

/** EIGER2 dead time between frames (s); count_time = frame_time - dead time. */
const READOUT_DEAD_TIME = 100e-9;

export function makeSimulatedSeries(input: SimulatedSeriesInput): SimulatedSeries {
  const armDate = input.armDate ?? new Date();
  return {
    model: input.model,
    dtype: input.dtype,
    series: input.series,
    seriesUniqueId: ulidLike(armDate, (input.seed ?? 0) ^ input.series),
    nimages: input.nimages,
    frameTime: input.frameTime,
    countTime: Math.max(input.frameTime - READOUT_DEAD_TIME, input.frameTime / 2),
    headerDetail: input.headerDetail ?? 'all',
    ...(input.headerAppendix !== undefined ? { headerAppendix: input.headerAppendix } : {}),
    ...(input.imageAppendix !== undefined ? { imageAppendix: input.imageAppendix } : {}),
    armDate,
    geometry: defaultGeometry(input.model),
  };
}

/** Frame times in clock ticks relative to the series start (start, stop, real). */
export function frameTicks(setup: SimulatedSeries, frame: number): { start: number; stop: number; real: number } {
  const start = frameStartTicks(setup.frameTime, frame);
  const real = realTicks(setup);
  return { start, stop: start + real, real };
}

/** frameTicks' start without the object, for the V2 image head written per frame. */
export function frameStartTicks(frameTime: number, frame: number): number {
  return Math.round(frame * frameTime * CLOCK_HZ);
}

/** frameTicks' real (exposure) time, the same for every frame of a series. */
export function realTicks(setup: SimulatedSeries): number {
  return Math.round(setup.countTime * CLOCK_HZ);
}

export function bitDepth(setup: SimulatedSeries): 16 | 32 {
  return setup.dtype === 'uint16' ? 16 : 32;
}

/** Threshold set at half the photon energy, as DECTRIS recommends. */
export function thresholdEnergy(setup: SimulatedSeries): number {
  return setup.model.photonEnergy / 2;
}

/** The V1 configuration part (header part 2): detector API key names, booleans as 0/1. */
export function v1Config(setup: SimulatedSeries): Record<string, unknown> {
  const { model, geometry: g } = setup;
  const config: Record<string, unknown> = {
    auto_summation: 1,
    beam_center_x: g.beamCenterX,
    beam_center_y: g.beamCenterY,
    bit_depth_image: bitDepth(setup),
    bit_depth_readout: 16,
    calibration_type: 'standard',
    chi_increment: 0,
    chi_start: 0,
    compression: 'bslz4',
    count_time: setup.countTime,
    countrate_correction_applied: 1,
    countrate_correction_count_cutoff: model.saturationValue(setup.dtype),
    data_collection_date: setup.armDate.toISOString().replace('Z', ''),
    description: model.description,
    detector_distance: g.distance,
    detector_number: model.serialNumber,
    detector_orientation: [-1, 0, 0, 0, -1, 0],
    detector_readout_time: READOUT_DEAD_TIME,
    detector_translation: [0, 0, g.distance],
    efficiency_correction_applied: 0,
    flatfield_correction_applied: 1,
    frame_count_time: setup.countTime,
    frame_time: setup.frameTime,
    kappa_increment: 0,
    kappa_start: 0,
    nimages: setup.nimages,
    ntrigger: 1,
    number_of_excluded_pixels: model.maskedPixels().length,
    omega_increment: 0,
    omega_start: 0,
    phi_increment: 0,
    phi_start: 0,
    photon_energy: model.photonEnergy,
    pixel_mask_applied: 1,
    sensor_material: model.sensorMaterial,
    sensor_thickness: model.sensorThickness,
    software_version: '1.8.0',
    threshold_energy: thresholdEnergy(setup),
    trigger_mode: 'ints',
    two_theta_increment: 0,
    two_theta_start: 0,
    virtual_pixel_correction_applied: 1,
    wavelength: g.wavelength,
    x_pixel_size: g.pixelSizeX,
    x_pixels_in_detector: model.width,
    y_pixel_size: g.pixelSizeY,
    y_pixels_in_detector: model.height,
  };
  return config;
}

/** A flatfield of ones (the detector sends float32 gains). */
export function flatfield(setup: SimulatedSeries): Float32Array {
  return new Float32Array(setup.model.pixelCount).fill(1);
}

/**
 * A count-rate correction table, shape [2, N] row-major: row 0 the measured counts per frame,
 * row 1 the corrected counts, from a non-paralysable dead time.
 */
export function countrateTable(setup: SimulatedSeries, n = 4000): Float32Array {
  const table = new Float32Array(2 * n);
  const deadTime = 2.5e-6 / setup.countTime; // per-frame dead-time fraction per count
  for (let i = 0; i < n; i++) {
    table[i] = i;
    const loss = 1 - i * deadTime;
    table[n + i] = loss > 0.05 ? i / loss : i / 0.05;
  }
  return table;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped id: 48-bit millisecond time + 80 bits from a seeded generator. */
export function ulidLike(date: Date, seed: number): string {
  let time = date.getTime();
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32]! + out;
    time = Math.floor(time / 32);
  }
  const rng = new Prng(seed ^ 0x51d);
  for (let i = 0; i < 16; i++) out += CROCKFORD[rng.int(0, 31)]!;
  return out;
}
