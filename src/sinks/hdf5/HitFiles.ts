// The hit files of each series (outputs.hdf5), on the pipeline's side: which good-path frames
// are due (the hits, or every frame with hits_only off), their wait for the writer process
// (HitQueue: the good path's memory budget, then disk), the writer's answers, and what each
// series' summary says of its files. Nothing here touches HDF5 or waits on a disk.
import type { Logger } from 'pino';
import type { SeriesStart } from '../../receiver/events.js';
import type { TaskHeader } from '../../stages/pool/Task.js';
import { seriesGeometry } from '../../stages/geometry/seriesGeometry.js';
import { FrameSet } from '../../stages/collector/FrameSet.js';
import type { FileRecord, FrameResult, HitFilesSummary, NotWrittenReason } from '../records.js';
import type { SeriesFinisher } from '../../stages/collector/Collector.js';
import { HitQueue, type Hit } from './HitQueue.js';
import { HitWriterProcess } from './HitWriterProcess.js';
import type { HitFileSeries } from './hitFileTypes.js';
import type { FromWriter } from './writerProtocol.js';

export interface HitFilesOptions {
  directory: string;
  hitsOnly: boolean;
  framesPerFile: number;
  /** The file-name prefix of a series (made unique by the writer when taken). */
  prefixOf: (start: SeriesStart) => string;
  memoryBudgetBytes: number;
  /** Bytes the good path holds in memory under the same budget. */
  otherMemoryBytes: () => number;
  spillDir: string | null;
  logger: Logger;
  /** A file is complete under its final name. */
  onFile: (record: FileRecord) => void;
}

/** Frames sent to the writer and not yet answered, at most (so a slow disk backs up here, where
 * it is budgeted, not in the IPC channel). */
const MAX_IN_WRITER = 32;
/** Time the writer has at shutdown, once the queue is given up, for the frames it holds. */
const CLOSE_AFTER_DISCARD_MS = 5_000;

interface RunFiles {
  series: number;
  /** Why nothing of this run can be written (no geometry, the writer died...); null while it can. */
  refused: NotWrittenReason | null;
  /** Image numbers already taken (a redelivered duplicate is not written twice). */
  readonly taken: FrameSet;
  /** Frames queued or in the writer, not yet answered. */
  outstanding: number;
  framesWritten: number;
  hitsWritten: number;
  /** Written frames not yet in a data file under its final name (hit or not, in order): if the
   * run fails now they are in no complete file, and are counted not written after all. */
  pendingHits: boolean[];
  notWritten: Partial<Record<NotWrittenReason, number>>;
  /** Files published under their final names (from the writer's announcements). */
  files: string[];
  master: string | null;
  /** Set by finishRun: resolves the summary once every frame is answered and the files are closed. */
  finished: ((summary: HitFilesSummary) => void) | null;
  finishSent: boolean;
}

export class HitFiles implements SeriesFinisher {
  private readonly runs = new Map<number, RunFiles>();
  private readonly queue: HitQueue;
  private readonly writer: HitWriterProcess;
  private inWriter = 0;
  /** Frames the writer has answered (written or not), over all runs. */
  answeredFrames = 0;
  /** False once the pipeline stops: results that come after are counted lost by the collector. */
  private taking = true;
  /** In-writer frames per run, to answer for them if the writer dies. */
  private readonly inWriterByRun = new Map<number, number>();

  constructor(private readonly options: HitFilesOptions) {
    this.queue = new HitQueue({
      memoryBudgetBytes: options.memoryBudgetBytes,
      otherMemoryBytes: options.otherMemoryBytes,
      spillDir: options.spillDir,
    });
    this.queue.onReadable = () => this.pump();
    this.writer = new HitWriterProcess(
      { message: (msg) => this.onWriterMessage(msg), died: (runs) => this.onWriterDied(runs) },
      options.logger,
    );
  }

  /** Bytes of hits waiting in memory (counted in the good path's budget). */
  get memoryBytes(): number {
    return this.queue.memoryBytes;
  }

  /** The writer process's id while it runs (tests kill it). */
  get writerPid(): number | null {
    return this.writer.pid;
  }

  get waiting(): number {
    return this.queue.length;
  }

  get waitingOnDisk(): number {
    return this.queue.onDisk;
  }

  /** Times the writer process died and was started again. */
  get writerRestarts(): number {
    return this.writer.restarts;
  }

  /** Hits that have waited on disk for the writer. */
  get spilledTotal(): number {
    return this.queue.spilledTotal;
  }

  seriesStart(start: SeriesStart, run: number, channel: string | null): void {
    const files = newRun(start.series);
    this.runs.set(run, files);
    const series = this.describe(start, channel);
    if (typeof series === 'string') {
      files.refused = 'no-geometry';
      this.options.logger.warn({ series: start.series, why: series }, 'no hit files for this series');
      return;
    }
    this.writer.send({ t: 'open', run, series });
  }

  /** A good-path result with its frame's bytes: queued for the writer when it is due. */
  offer(header: TaskHeader, data: Uint8Array, result: FrameResult): void {
    const files = this.runs.get(header.run);
    if (!this.taking || !files || files.finishSent) return;
    if (this.options.hitsOnly && !result.hit) return;
    if (!files.taken.add(header.frame)) return;
    if (files.refused !== null) {
      count(files.notWritten, files.refused);
      return;
    }
    const { n_spots, n_spots_no_ice, n_spots_4A, d_min, hit, flags, total_intensity, spots } = result;
    files.outstanding++;
    this.queue.push({
      header: {
        id: header.id,
        run: header.run,
        series: header.series,
        frame: header.frame,
        codec: header.encoding.codec,
        elemSize: header.encoding.elemSize,
        receivedAt: header.receivedAt,
        result: { n_spots, n_spots_no_ice, n_spots_4A, d_min, hit, flags, total_intensity, spots },
      },
      data,
    });
    this.pump();
  }

  /** The run's frames are all accounted: resolves once the writer has answered each and closed the files. */
  finishRun(run: number): Promise<HitFilesSummary | null> {
    const files = this.runs.get(run);
    if (!files) return Promise.resolve(null);
    return new Promise((resolve) => {
      files.finished = resolve;
      this.maybeFinish(run, files);
    });
  }

  /** Takes no more frames (the pipeline is stopping: what comes now the collector counts lost). */
  stopTaking(): void {
    this.taking = false;
  }

  /**
   * On shutdown: the writer goes on with the queue for up to `graceMs`; then the hits still
   * waiting are counted 'pipeline-stopped' (not read back from disk), and the writer gets a few
   * seconds more to answer what it holds and close the runs it was asked to finish. Then it is
   * stopped and every run still open gets its summary.
   */
  async close(graceMs = 30_000): Promise<void> {
    this.taking = false;
    const finishing = (): boolean => [...this.runs.values()].some((f) => f.finished !== null);
    await waitWhile(finishing, graceMs);
    for (const run of this.queue.discardAll()) this.answered(run, this.runs.get(run)?.refused ?? 'pipeline-stopped');
    await waitWhile(finishing, CLOSE_AFTER_DISCARD_MS);
    await this.writer.stop();
    for (const [run, files] of this.runs) {
      if (files.outstanding > 0) {
        count(files.notWritten, 'pipeline-stopped', files.outstanding);
        files.outstanding = 0;
      }
      unpublished(files, 'pipeline-stopped');
      files.finished?.(summaryOf(files, this.options.hitsOnly));
      this.runs.delete(run);
    }
    this.queue.close();
  }

  private describe(start: SeriesStart, channel: string | null): HitFileSeries | string {
    const g = seriesGeometry(start);
    if (!g.geometry) return g.missing;
    if (start.dtype === null) return 'the series start does not name the pixel type';
    const analysed = channel ?? start.channels[0] ?? 'threshold_1';
    return {
      directory: this.options.directory,
      prefix: this.options.prefixOf(start),
      framesPerFile: this.options.framesPerFile,
      series: start.series,
      seriesUniqueId: start.seriesUniqueId,
      width: g.geometry.width,
      height: g.geometry.height,
      dtype: start.dtype,
      beamCenterX: g.geometry.beamCenterX,
      beamCenterY: g.geometry.beamCenterY,
      distance: g.geometry.distance,
      wavelength: g.geometry.wavelength,
      pixelSizeX: g.geometry.pixelSizeX,
      pixelSizeY: g.geometry.pixelSizeY,
      countTime: start.countTime,
      frameTime: start.frameTime,
      saturationValue: start.saturationValue,
      sensorMaterial: start.sensorMaterial,
      sensorThickness: start.sensorThickness,
      detectorDescription: start.detectorDescription,
      detectorSerialNumber: start.detectorSerialNumber,
      pixelMask: start.pixelMask[analysed] ?? null,
      channel: analysed,
      startedAt: start.receivedAt,
    };
  }

  private pump(): void {
    while (this.inWriter < MAX_IN_WRITER) {
      const hit = this.queue.shift();
      if (!hit) break;
      this.toWriter(hit);
    }
    for (const lost of this.queue.drainLost()) this.answered(lost.run, lost.reason);
  }

  private toWriter(hit: Hit): void {
    const h = hit.header;
    const files = this.runs.get(h.run);
    if (!files) return;
    if (files.refused !== null) {
      this.answered(h.run, files.refused);
      return;
    }
    this.inWriter++;
    this.inWriterByRun.set(h.run, (this.inWriterByRun.get(h.run) ?? 0) + 1);
    this.writer.send({
      t: 'frame',
      run: h.run,
      codec: h.codec,
      elemSize: h.elemSize,
      frame: { image: h.frame, chunk: hit.data, startTime: null, receivedAt: h.receivedAt, result: h.result },
    });
  }

  private onWriterMessage(msg: FromWriter): void {
    const files = this.runs.get(msg.run);
    switch (msg.t) {
      case 'written':
      case 'not-written':
        this.inWriter--;
        this.answeredFrames++;
        this.inWriterByRun.set(msg.run, (this.inWriterByRun.get(msg.run) ?? 1) - 1);
        if (msg.t === 'written' && files) {
          files.framesWritten++;
          if (msg.hit) files.hitsWritten++;
          files.pendingHits.push(msg.hit);
        }
        if (msg.t === 'not-written' && msg.detail)
          this.options.logger.warn({ series: files?.series, frame: msg.image, err: msg.detail }, 'frame not written');
        this.answered(msg.run, msg.t === 'written' ? null : msg.reason);
        this.pump();
        break;
      case 'file':
        if (files) {
          files.files.push(msg.record.path);
          if (msg.record.kind === 'master') files.master = msg.record.path;
          if (msg.record.kind === 'data') files.pendingHits.splice(0, msg.record.frames);
        }
        this.options.onFile(msg.record);
        break;
      case 'run-failed':
        if (files) {
          files.refused ??= 'write-failed';
          unpublished(files, 'write-failed');
        }
        this.options.logger.error({ series: files?.series, err: msg.message }, 'hit files failed');
        break;
      case 'finished':
        this.inWriterByRun.delete(msg.run);
        if (!files) break;
        this.runs.delete(msg.run);
        files.finished?.(summaryOf(files, this.options.hitsOnly));
        break;
    }
  }

  /** The writer died: the frames it held, and the rest of its runs, are not written. */
  private onWriterDied(runs: number[]): void {
    for (const [run, n] of this.inWriterByRun) {
      const files = this.runs.get(run);
      if (files && n > 0) {
        count(files.notWritten, 'writer-died', n);
        files.outstanding -= n;
      }
    }
    this.inWriterByRun.clear();
    this.inWriter = 0;
    for (const run of runs) {
      const files = this.runs.get(run);
      if (!files) continue;
      files.refused = 'writer-died';
      unpublished(files, 'writer-died');
      // Its files are gone with the process: the summary says what was written until then.
      if (files.finishSent) {
        this.runs.delete(run);
        files.finished?.(summaryOf(files, this.options.hitsOnly));
      } else this.maybeFinish(run, files);
    }
    this.pump();
  }

  /** A frame of `run` has its answer: written (reason null) or not, with the reason. */
  private answered(run: number, reason: NotWrittenReason | null): void {
    const files = this.runs.get(run);
    if (!files) return;
    files.outstanding--;
    if (reason !== null) count(files.notWritten, reason);
    this.maybeFinish(run, files);
  }

  private maybeFinish(run: number, files: RunFiles): void {
    if (!files.finished || files.outstanding > 0 || files.finishSent) return;
    files.finishSent = true;
    if (files.refused === 'no-geometry' || files.refused === 'writer-died') {
      // Nothing was opened in a living writer for this run.
      this.runs.delete(run);
      files.finished(summaryOf(files, this.options.hitsOnly));
      return;
    }
    this.writer.send({ t: 'finish', run, endedAt: Date.now() });
  }
}

function newRun(series: number): RunFiles {
  return {
    series,
    refused: null,
    taken: new FrameSet(),
    outstanding: 0,
    framesWritten: 0,
    hitsWritten: 0,
    pendingHits: [],
    notWritten: {},
    files: [],
    master: null,
    finished: null,
    finishSent: false,
  };
}

async function waitWhile(busy: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** The run's files failed: the frames written since its last complete data file are in none. */
function unpublished(files: RunFiles, reason: NotWrittenReason): void {
  const n = files.pendingHits.length;
  if (n === 0) return;
  files.framesWritten -= n;
  files.hitsWritten -= files.pendingHits.filter(Boolean).length;
  count(files.notWritten, reason, n);
  files.pendingHits = [];
}

function count(into: Partial<Record<NotWrittenReason, number>>, reason: NotWrittenReason, n = 1): void {
  into[reason] = (into[reason] ?? 0) + n;
}

function summaryOf(files: RunFiles, hitsOnly: boolean): HitFilesSummary {
  const reasons = files.notWritten;
  return {
    master: files.master,
    hits_only: hitsOnly,
    frames_written: files.framesWritten,
    hits_written: files.hitsWritten,
    not_written: Object.values(reasons).reduce((a, b) => a + b, 0),
    not_written_reasons: { ...reasons },
    files: files.files,
  };
}
