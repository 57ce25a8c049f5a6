// Writes one series' hit frames as NXmx files (layout: nxmxLayout.ts): data files of
// `framesPerFile` frames, each frame the detector's bitshuffle+LZ4 bytes stored as they came;
// at the end a master presenting every written frame as one stack, and a CrystFEL geometry file.
//
// Synchronous, and for the hit-file writer process only (HDF5 is not thread-safe; see
// src/native/hdf5Addon.ts). Every file is written under `<name>.tmp` and takes its final name
// only when complete, never replacing an existing file, so a killed writer leaves complete files
// under final names and partial ones under temporary names only.
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { hdf5Addon, type H5File } from '../../native/hdf5Addon.js';
import { crystfelGeometry } from './crystfelGeometry.js';
import {
  checkPrefix,
  dataName,
  filesOfPrefix,
  geometryName,
  masterName,
  publish,
  tempName,
  withCode,
} from './fileNames.js';
import { FlagBits, FrameTable } from './frameTable.js';
import type { FileRecord, HitFileSeries, HitFrame } from './hitFileTypes.js';
import {
  abandonDataFile,
  BYTES,
  completeDataFile,
  createDataFile,
  writeMasterHead,
  writeMasterTail,
  type DataFileEntry,
  type OpenDataFile,
} from './nxmxLayout.js';

export type { FileRecord, HitFileSeries, HitFrame, HitFrameResult } from './hitFileTypes.js';
export { freePrefix } from './fileNames.js';

type State = 'open' | 'failed' | 'finished' | 'aborted';

export class NxmxSeriesWriter {
  private readonly s: HitFileSeries;
  private readonly elemSize: number;
  private master: H5File | null;
  private data: OpenDataFile | null = null;
  private fileTable = new FrameTable(true);
  private readonly seriesTable = new FrameTable(false);
  private readonly flags = new FlagBits();
  private readonly dataFiles: DataFileEntry[] = [];
  private state: State = 'open';
  /** Every file published under its final name so far, in order (also those of a finish that
   * failed part-way), so a caller can announce each exactly once. */
  readonly published: FileRecord[] = [];

  /** Claims the prefix (refused when any file of it, complete or partial, exists) by creating the
   * master's temporary file, and writes the series' metadata into it. */
  constructor(series: HitFileSeries) {
    checkSeries(series);
    this.s = { ...series };
    this.elemSize = BYTES[series.dtype];
    checkDirectory(series.directory);
    const taken = filesOfPrefix(series.directory, series.prefix);
    if (taken.length > 0) {
      throw new Error(
        `hit files: prefix ${series.prefix} is taken in ${series.directory} (${taken.slice(0, 3).join(', ')}); ` +
          'files are never overwritten: choose another prefix (freePrefix)',
      );
    }
    const h5 = hdf5Addon();
    this.master = h5.createFile(this.temp(masterName(series.prefix)));
    try {
      writeMasterHead(this.master, this.s);
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  /** Still writing: a refused frame leaves it so, a failed step does not. */
  get usable(): boolean {
    return this.state === 'open';
  }

  /** Frames written so far. */
  get frames(): number {
    return this.seriesTable.length;
  }

  /** Writes one frame; returns the record of the data file it completed, if it did. */
  write(frame: HitFrame): FileRecord[] {
    this.assertOpen('write');
    this.checkFrame(frame);
    const bits = this.flags.bits(frame.result.flags);
    return this.guard(() => {
      const h5 = hdf5Addon();
      this.data ??= createDataFile(this.temp(dataName(this.s.prefix, this.dataFiles.length + 1)), this.s);
      h5.writeChunk(this.data.stack, this.fileTable.length, frame.chunk);
      this.fileTable.add(frame, bits);
      this.seriesTable.add(frame, bits);
      return this.fileTable.length >= this.s.framesPerFile ? [this.completeDataFile()] : [];
    });
  }

  /** Completes the open data file, the master and the geometry file; returns their records. */
  finish(endedAt: number): FileRecord[] {
    this.assertOpen('finish');
    return this.guard(() => {
      const records = this.data ? [this.completeDataFile()] : [];
      const master = this.master!;
      writeMasterTail(master, this.s, this.dataFiles, this.seriesTable, this.flags.names, endedAt);
      hdf5Addon().closeFile(master);
      this.master = null;
      const { first, last } = this.seriesTable.imageRange();
      const frames = this.seriesTable.length;
      const record = (kind: FileRecord['kind'], path: string): FileRecord => ({
        type: 'file',
        kind,
        series: this.s.series,
        path,
        frames,
        first_image: first,
        last_image: last,
      });
      const name = masterName(this.s.prefix);
      const masterPath = publish(this.s.directory, name);
      this.published.push(record('master', masterPath));
      const geometry = geometryName(this.s.prefix);
      const tempGeometry = this.temp(geometry);
      try {
        writeFileSync(tempGeometry, crystfelGeometry(this.s, name, frames), { flag: 'wx' });
      } catch (err) {
        throw withCode(`hit files: cannot write ${tempGeometry}: ${(err as Error).message}`, err);
      }
      const geometryPath = publish(this.s.directory, geometry);
      this.published.push(record('geometry', geometryPath));
      this.state = 'finished';
      return [...records, record('master', masterPath), record('geometry', geometryPath)];
    });
  }

  /** Closes whatever is open after an error; partial files keep their temporary names. */
  abort(): void {
    if (this.state === 'finished') return;
    this.state = 'aborted';
    const h5 = hdf5Addon();
    if (this.data) abandonDataFile(this.data);
    this.data = null;
    if (this.master && h5.isOpen(this.master)) h5.discardFile(this.master);
    this.master = null;
  }

  private temp(name: string): string {
    return join(this.s.directory, tempName(name));
  }

  private completeDataFile(): FileRecord {
    const table = this.fileTable;
    completeDataFile(this.data!, table, this.flags.names, this.seriesTable.length - table.length + 1);
    this.data = null;
    const name = dataName(this.s.prefix, this.dataFiles.length + 1);
    const path = publish(this.s.directory, name);
    this.dataFiles.push({ name, frames: table.length, peakWidth: table.peakWidth });
    this.fileTable = new FrameTable(true);
    const { first, last } = table.imageRange();
    const record: FileRecord = {
      type: 'file',
      kind: 'data',
      series: this.s.series,
      path,
      frames: table.length,
      first_image: first,
      last_image: last,
    };
    this.published.push(record);
    return record;
  }

  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  private assertOpen(what: string): void {
    if (this.state !== 'open') {
      throw new Error(
        `hit files: cannot ${what} series ${this.s.series} (${this.s.prefix}): the writer is ${this.state}`,
      );
    }
  }

  private checkFrame(frame: HitFrame): void {
    const where = `hit files: series ${this.s.series} image ${frame.image}`;
    if (!Number.isSafeInteger(frame.image) || frame.image < 0) throw new Error(`${where}: bad image number`);
    const c = frame.chunk;
    if (!(c instanceof Uint8Array) || c.byteLength <= 12) throw new Error(`${where}: chunk must be a bslz4 blob`);
    const view = new DataView(c.buffer, c.byteOffset, c.byteLength);
    const total = Number(view.getBigUint64(0, false));
    const block = view.getUint32(8, false);
    const expected = this.s.width * this.s.height * this.elemSize;
    if (total !== expected) {
      throw new Error(
        `${where}: the chunk's header says ${total} bytes, a ${this.s.width} x ${this.s.height} ${this.s.dtype} frame is ${expected}`,
      );
    }
    if (block === 0 || block % this.elemSize !== 0)
      throw new Error(`${where}: the chunk's header has block size ${block}`);
    const r = frame.result;
    for (const k of ['n_spots', 'n_spots_no_ice', 'n_spots_4A', 'total_intensity'] as const) {
      if (!Number.isFinite(r[k])) throw new Error(`${where}: result ${k} is not a number`);
    }
    if (!Array.isArray(r.spots) || !Array.isArray(r.flags)) throw new Error(`${where}: result spots/flags missing`);
  }
}

function checkSeries(s: HitFileSeries): void {
  const where = `hit files: series ${s.series}`;
  checkPrefix(s.prefix);
  if (!(s.dtype in BYTES)) throw new Error(`${where}: dtype ${s.dtype} cannot be written (uint8, uint16, uint32)`);
  for (const k of ['width', 'height', 'framesPerFile'] as const) {
    if (!Number.isSafeInteger(s[k]) || s[k] < 1) throw new Error(`${where}: ${k} must be a positive integer`);
  }
  for (const k of ['distance', 'wavelength', 'pixelSizeX', 'pixelSizeY'] as const) {
    if (!Number.isFinite(s[k]) || s[k] <= 0) throw new Error(`${where}: ${k} must be positive`);
  }
  for (const k of ['beamCenterX', 'beamCenterY', 'startedAt'] as const) {
    if (!Number.isFinite(s[k])) throw new Error(`${where}: ${k} must be a number`);
  }
}

function checkDirectory(dir: string): void {
  if (!isAbsolute(dir)) throw new Error(`hit files: directory ${dir} must be an absolute path`);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw new Error(`hit files: directory ${dir} cannot be used: ${(err as Error).message}`, { cause: err });
  }
  if (!isDir) throw new Error(`hit files: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new Error(`hit files: directory ${dir} is not writable: ${(err as Error).message}`, { cause: err });
  }
}
