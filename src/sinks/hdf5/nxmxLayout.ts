// The NXmx layout of the hit files, in one place: what the master and the data files contain and
// where (the HDF5 addon only knows generic primitives). Checked with dials.import (FormatNXmx):
//
// master <prefix>_master.h5
//   /entry                     NXentry; definition "NXmx", start_time, end_time (ISO 8601, UTC)
//   /entry/data                NXdata @signal="data"
//     data                     [N, ny, nx] virtual dataset over every data file's frames, in
//                              writing order (source files named relatively: the directory can move)
//   /entry/instrument          NXinstrument
//     beam                     NXbeam: incident_wavelength (angstrom)
//     detector                 NXdetector: description, serial_number, sensor_material,
//                              sensor_thickness (m), beam_center_x/y (pixel), distance (m),
//                              x/y_pixel_size (m), count_time, frame_time (s), saturation_value,
//                              underload_value, bit_depth_image, pixel_mask (nonzero = bad),
//                              depends_on -> transformations/translation (the distance along +z)
//       module                 NXdetector_module: data_origin, data_size, module_offset (carries
//                              the beam centre as @offset), fast/slow_pixel_direction (-x, -y)
//       detectorSpecific       NXcollection: channel (the analysed one), series, series_unique_id,
//                              nimages (frames written)
//   /entry/sample              NXsample: depends_on "." (stills: each frame its own image)
//   /entry/result              per written frame (see writeFrameTable), the CXI peak arrays virtual
//                              over the data files'
// data file <prefix>_data_NNNNNN.h5
//   /entry/data/data           [n, ny, nx] uint8/16/32, one bitshuffle+LZ4 chunk per frame, the
//                              detector's bytes; @image_nr_low/high: 1-based positions of its first
//                              and last frame in the master's stack (hits are not contiguous in
//                              detector numbers: those are in /entry/result/image_number)
//   /entry/result              per frame of this file
import {
  hdf5Addon,
  type H5Dataset,
  type H5File,
  type H5Group,
  type H5Location,
  type H5Numbers,
  type H5Value,
  type H5VirtualSource,
} from '../../native/hdf5Addon.js';
import type { FrameTable } from './frameTable.js';
import type { HitFileSeries } from './hitFileTypes.js';

export const PATHS = {
  data: '/entry/data/data',
  result: '/entry/result',
  wavelength: '/entry/instrument/beam/incident_wavelength',
  distance: '/entry/instrument/detector/distance',
  pixelMask: '/entry/instrument/detector/pixel_mask',
} as const;

const DETECTOR = '/entry/instrument/detector';
const TRANSLATION = `${DETECTOR}/transformations/translation`;
const MODULE_OFFSET = `${DETECTOR}/module/module_offset`;

type Attrs = Record<string, H5Value>;

export const BYTES: Record<HitFileSeries['dtype'], number> = { uint8: 1, uint16: 2, uint32: 4 };

const h5 = () => hdf5Addon();

/** Closes without letting a second failure hide the first. */
function closeQuietly(close: () => void): void {
  try {
    close();
  } catch {
    // the error being thrown is the one to report
  }
}

/** Runs `fill` on an open group or dataset, then closes it (quietly when `fill` threw). */
function using<H extends H5Group | H5Dataset, T>(object: H, fill: (object: H) => T): T {
  let done = false;
  try {
    const result = fill(object);
    done = true;
    return result;
  } finally {
    if (done) h5().closeObject(object);
    else closeQuietly(() => h5().closeObject(object));
  }
}

function inGroup<T>(parent: H5Location, name: string, nxClass: string, fill: (g: H5Group) => T): T {
  return using(h5().createGroup(parent, name), (g) => {
    h5().setAttribute(g, 'NX_class', nxClass);
    return fill(g);
  });
}

/** A value with its shape (a typed array of one element with shape [] is a typed scalar). */
interface Shaped {
  value: H5Numbers;
  shape: number[];
}

function field(parent: H5Location, name: string, value: H5Value | Shaped, attrs: Attrs = {}, gzip?: number): void {
  const shaped = typeof value === 'object' && 'shape' in value && !ArrayBuffer.isView(value);
  const d = shaped
    ? h5().writeDataset(parent, name, value.value, { shape: value.shape, gzip })
    : h5().writeDataset(parent, name, value as H5Value, { gzip });
  using(d, () => {
    for (const [k, v] of Object.entries(attrs)) h5().setAttribute(d, k, v);
  });
}

const int64 = (v: number): Shaped => ({ value: BigInt64Array.of(BigInt(v)), shape: [] });
/** A whole count as an int64 scalar, anything else as float64. */
const count = (v: number): Shaped | number => (Number.isSafeInteger(v) ? int64(v) : v);
const int32 = (...v: number[]): Int32Array => Int32Array.from(v);

/** Writes the series' fixed metadata into a new master file. */
export function writeMasterHead(file: H5File, s: HitFileSeries): void {
  inGroup(file, 'entry', 'NXentry', (entry) => {
    field(entry, 'definition', 'NXmx');
    field(entry, 'start_time', new Date(s.startedAt).toISOString());
    inGroup(entry, 'instrument', 'NXinstrument', (instrument) => {
      inGroup(instrument, 'beam', 'NXbeam', (beam) => {
        field(beam, 'incident_wavelength', s.wavelength, { units: 'angstrom' });
      });
      inGroup(instrument, 'detector', 'NXdetector', (det) => writeDetector(det, s));
    });
    inGroup(entry, 'sample', 'NXsample', (sample) => field(sample, 'depends_on', '.'));
  });
}

function writeDetector(det: H5Location, s: HitFileSeries): void {
  const mm = 1000;
  const bits = BYTES[s.dtype] * 8;
  field(det, 'depends_on', TRANSLATION);
  if (s.detectorDescription !== null) field(det, 'description', s.detectorDescription);
  if (s.detectorSerialNumber !== null) field(det, 'serial_number', s.detectorSerialNumber);
  // dxtbx needs a sensor material; EIGERs are silicon unless the detector said otherwise.
  field(det, 'sensor_material', s.sensorMaterial ?? 'Si', s.sensorMaterial === null ? { assumed: 'true' } : {});
  if (s.sensorThickness !== null) field(det, 'sensor_thickness', s.sensorThickness, { units: 'm' });
  field(det, 'beam_center_x', s.beamCenterX, { units: 'pixel' });
  field(det, 'beam_center_y', s.beamCenterY, { units: 'pixel' });
  field(det, 'distance', s.distance, { units: 'm' });
  field(det, 'x_pixel_size', s.pixelSizeX, { units: 'm' });
  field(det, 'y_pixel_size', s.pixelSizeY, { units: 'm' });
  if (s.countTime !== null) field(det, 'count_time', s.countTime, { units: 's' });
  if (s.frameTime !== null) field(det, 'frame_time', s.frameTime, { units: 's' });
  // Without a saturation value the largest count that is not the all-ones marker is trusted.
  field(det, 'saturation_value', count(s.saturationValue ?? 2 ** bits - 2));
  field(det, 'underload_value', count(-1));
  field(det, 'bit_depth_image', { value: Int32Array.of(bits), shape: [] });
  if (s.pixelMask !== null) {
    if (s.pixelMask.length !== s.width * s.height) {
      throw new Error(`hit files: pixel mask has ${s.pixelMask.length} entries, expected ${s.width} x ${s.height}`);
    }
    const mask = { value: s.pixelMask, shape: [s.height, s.width] };
    field(det, 'pixel_mask', mask, { description: 'DECTRIS pixel mask: nonzero = bad' }, 1);
  }
  inGroup(det, 'transformations', 'NXtransformations', (t) => {
    field(t, 'translation', s.distance * mm, {
      units: 'mm',
      transformation_type: 'translation',
      vector: Float64Array.of(0, 0, 1),
      depends_on: '.',
    });
  });
  inGroup(det, 'module', 'NXdetector_module', (m) => {
    field(m, 'data_origin', int32(0, 0));
    field(m, 'data_size', int32(s.height, s.width));
    // The beam centre sits on module_offset: dxtbx composes the pixel directions from their
    // depends_on and ignores offsets on the directions themselves.
    field(m, 'module_offset', 0, {
      units: 'mm',
      transformation_type: 'translation',
      vector: Float64Array.of(1, 0, 0),
      offset: Float64Array.of(s.beamCenterX * s.pixelSizeX * mm, s.beamCenterY * s.pixelSizeY * mm, 0),
      offset_units: 'mm',
      depends_on: TRANSLATION,
    });
    const direction = (name: string, size: number, vector: Float64Array) =>
      field(m, name, size * mm, {
        units: 'mm',
        transformation_type: 'translation',
        vector,
        offset: Float64Array.of(0, 0, 0),
        depends_on: MODULE_OFFSET,
      });
    direction('fast_pixel_direction', s.pixelSizeX, Float64Array.of(-1, 0, 0));
    direction('slow_pixel_direction', s.pixelSizeY, Float64Array.of(0, -1, 0));
  });
  inGroup(det, 'detectorSpecific', 'NXcollection', (ds) => {
    field(ds, 'channel', s.channel);
    field(ds, 'series', count(s.series));
    if (s.seriesUniqueId !== null) field(ds, 'series_unique_id', s.seriesUniqueId);
    field(ds, 'x_pixels_in_detector', count(s.width));
    field(ds, 'y_pixels_in_detector', count(s.height));
  });
}

/** A data file of the master: its name (relative to the master) and what it holds. */
export interface DataFileEntry {
  name: string;
  frames: number;
  peakWidth: number;
}

/** Completes the master: end time, the virtual image stack and peak arrays over the data files,
 * and the series' per-frame table. The caller closes the file. */
export function writeMasterTail(
  file: H5File,
  s: HitFileSeries,
  dataFiles: readonly DataFileEntry[],
  table: FrameTable,
  flagNames: readonly string[],
  endedAt: number,
): void {
  const stack: H5VirtualSource[] = [];
  const peaks: Record<string, H5VirtualSource[]> = { peakXPosRaw: [], peakYPosRaw: [], peakTotalIntensity: [] };
  let width = 1;
  let offset = 0;
  for (const f of dataFiles) {
    if (f.frames === 0) continue;
    stack.push({
      file: f.name,
      dataset: PATHS.data,
      sourceDims: [f.frames, s.height, s.width],
      start: [offset, 0, 0],
      count: [f.frames, s.height, s.width],
    });
    for (const [name, sources] of Object.entries(peaks)) {
      sources.push({
        file: f.name,
        dataset: `${PATHS.result}/${name}`,
        sourceDims: [f.frames, f.peakWidth],
        start: [offset, 0],
        count: [f.frames, f.peakWidth],
      });
    }
    width = Math.max(width, f.peakWidth);
    offset += f.frames;
  }
  if (offset !== table.length)
    throw new Error(`hit files: ${offset} frames in data files, ${table.length} in the table`);
  using(h5().openGroup(file, 'entry'), (entry) => {
    field(entry, 'end_time', new Date(endedAt).toISOString());
    inGroup(entry, 'data', 'NXdata', (data) => {
      h5().setAttribute(data, 'signal', 'data');
      using(h5().createVirtualDataset(data, 'data', s.dtype, [offset, s.height, s.width], stack, 0), () => {});
    });
    writeFrameTable(entry, table, flagNames, { virtual: { width, sources: peaks } });
  });
  using(h5().openGroup(file, `${DETECTOR}/detectorSpecific`), (ds) => field(ds, 'nimages', count(offset)));
}

/** Writes the per-frame table into `parent` (a new NXcollection named "result"): image_number
 * (the detector's, 0-based), start_time (s since the series start, NaN when unknown), received_at
 * (ms since the epoch), n_spots, n_spots_no_ice, n_spots_4A, d_min (angstrom, NaN when none), hit
 * (0/1), flags (bit i = flag_names[i]), total_intensity, and CXI's nPeaks and
 * peakXPosRaw/peakYPosRaw/peakTotalIntensity [frames, width] float32 padded with 0 (pixel indices:
 * the first pixel's centre is 0, as Cheetah writes them): written here ('inline', a data file) or
 * virtual over the data files' (the master). */
export function writeFrameTable(
  parent: H5Location,
  table: FrameTable,
  flagNames: readonly string[],
  peaks: { virtual: { width: number; sources: Record<string, H5VirtualSource[]> } } | 'inline',
): void {
  inGroup(parent, 'result', 'NXcollection', (r) => {
    field(
      r,
      'image_number',
      BigInt64Array.from(table.image.values(), (v) => BigInt(v)),
      {
        description: "the detector's 0-based image number",
      },
    );
    field(r, 'start_time', table.startTime.values(), { units: 's', description: 'frame start since the series start' });
    field(r, 'received_at', table.receivedAt.values(), {
      units: 'ms',
      description: 'milliseconds since 1970-01-01T00:00:00Z',
    });
    field(r, 'n_spots', table.nSpots.values());
    field(r, 'n_spots_no_ice', table.nSpotsNoIce.values());
    field(r, 'n_spots_4A', table.nSpots4A.values());
    field(r, 'd_min', table.dMin.values(), { units: 'angstrom', description: 'estimated resolution; NaN when none' });
    field(r, 'hit', table.hit.values());
    field(r, 'flags', table.flags.values(), { flag_names: [...flagNames], description: 'bit i set: flag_names[i]' });
    field(r, 'total_intensity', table.totalIntensity.values());
    field(r, 'nPeaks', table.nPeaks.values());
    const n = table.length;
    if (peaks === 'inline') {
      const p = table.peakArrays();
      field(r, 'peakXPosRaw', { value: p.x, shape: [n, p.width] });
      field(r, 'peakYPosRaw', { value: p.y, shape: [n, p.width] });
      field(r, 'peakTotalIntensity', { value: p.intensity, shape: [n, p.width] });
    } else {
      for (const [name, sources] of Object.entries(peaks.virtual.sources)) {
        using(h5().createVirtualDataset(r, name, 'float32', [n, peaks.virtual.width], sources, 0), () => {});
      }
    }
  });
}

/** An open data file: the file and its image stack. */
export interface OpenDataFile {
  file: H5File;
  stack: H5Dataset;
}

/** Creates a data file with its empty image stack. */
export function createDataFile(path: string, s: HitFileSeries): OpenDataFile {
  const file = h5().createFile(path);
  try {
    const stack = inGroup(file, 'entry', 'NXentry', (entry) =>
      inGroup(entry, 'data', 'NXdata', (data) => {
        h5().setAttribute(data, 'signal', 'data');
        return h5().createImageStack(data, 'data', s.height, s.width, s.dtype);
      }),
    );
    return { file, stack };
  } catch (err) {
    closeQuietly(() => h5().closeFile(file));
    throw err;
  }
}

/** Completes a data file: the stack's image_nr_low/high (1-based positions of its frames in the
 * master's stack, from `firstPosition`) and its per-frame table; closes it. */
export function completeDataFile(
  df: OpenDataFile,
  table: FrameTable,
  flagNames: readonly string[],
  firstPosition: number,
): void {
  const a = h5();
  a.setAttribute(df.stack, 'image_nr_low', Int32Array.of(firstPosition), []);
  a.setAttribute(df.stack, 'image_nr_high', Int32Array.of(firstPosition + table.length - 1), []);
  a.closeObject(df.stack);
  using(a.openGroup(df.file, 'entry'), (entry) => writeFrameTable(entry, table, flagNames, 'inline'));
  a.closeFile(df.file);
}

/** Closes whatever of a data file is still open without writing more (after a failure). */
export function abandonDataFile(df: OpenDataFile): void {
  const a = h5();
  if (a.isOpen(df.stack)) closeQuietly(() => a.closeObject(df.stack));
  if (a.isOpen(df.file)) a.discardFile(df.file);
}
