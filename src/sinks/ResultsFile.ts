// The results file: JSON lines, one series record per series, one record per processed
// frame, one per hit file completed, one summary per series. Written through a stream so a slow disk never blocks the
// collector; flushed and closed on shutdown. A failing disk (ENOSPC, EIO) is logged once and
// the sink stops writing; a disk too slow for the results buffers up to a bound and then drops
// records. Either way the records lost are counted in `dropped`, and the pipeline carries on.
import type { XrayCentringResult } from '../stages/grid/xrayCentring.js';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { pino } from 'pino';
import type { FrameResult } from './records.js';
import type { ResultSink } from './ResultSink.js';
import type { FileRecord, SeriesRecord, SeriesSummary } from './records.js';
import { frameRecord } from './frameRecord.js';

export interface ResultsFileOptions {
  path: string;
  /** Include the good path's spot lists and radial profiles (they dominate the file size). */
  spots: boolean;
  radial: boolean;
  /** Where a write failure or the start of dropping is reported (pino-compatible); default: pino on stderr. */
  logger?: ResultsFileLogger;
  /** Bytes waiting for the disk above which records are dropped instead of queued (default 256 MiB). */
  maxPendingBytes?: number;
  /** Called once a good-path frame's record is written (handed to the operating system: a
   * process that dies now loses nothing of it), or has been dropped for good. */
  onGoodFrameWritten?: (run: number, frame: number) => void;
}

export interface ResultsFileLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export const DEFAULT_MAX_PENDING_BYTES = 256 * 1024 * 1024;

export class ResultsFile implements ResultSink {
  private readonly out: WriteStream;
  private readonly logger: ResultsFileLogger;
  private readonly maxPendingBytes: number;
  private error: Error | null = null;
  private droppedRecords = 0;
  private overflowing = false;

  constructor(private readonly options: ResultsFileOptions) {
    this.logger = options.logger ?? pino({ name: 'results-file' }, pino.destination(2));
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    mkdirSync(dirname(options.path), { recursive: true });
    this.out = createWriteStream(options.path, { flags: 'a' });
    this.out.on('error', (err) => this.fail(err));
  }

  /** Records not written: queued or offered after a write error, or offered while the disk was too far behind. */
  get dropped(): number {
    return this.droppedRecords;
  }

  /** True once the file could not be written; later records are dropped. */
  get failed(): boolean {
    return this.error !== null;
  }

  /** Bytes handed to the stream and not yet written to the disk. */
  get pendingBytes(): number {
    return this.out.writableLength;
  }

  series(record: SeriesRecord): void {
    this.write(record);
  }

  frame(r: FrameResult): void {
    const full = r.path === 'good';
    const written = full && this.options.onGoodFrameWritten;
    this.write(
      frameRecord(r, { spots: full && this.options.spots, radial: full && this.options.radial, separation: full }),
      written ? () => written(r.run, r.frame) : undefined,
    );
  }

  summary(summary: SeriesSummary): void {
    this.write(summary);
  }

  file(record: FileRecord): void {
    this.write(record);
  }

  xrayCentring(result: XrayCentringResult): void {
    this.write(result);
  }

  /** Flushes and closes; resolves also after a write error (it has been logged and counted). */
  close(): Promise<void> {
    const out = this.out;
    if (out.closed) return Promise.resolve();
    return new Promise((resolve) => {
      out.once('close', () => resolve());
      if (out.destroyed) return;
      // end()'s callback may report the error the 'error' listener already handled: only 'close' matters.
      out.end();
    });
  }

  private write(record: object, then?: () => void): void {
    if (this.error || this.out.destroyed) {
      this.droppedRecords++;
      then?.();
      return;
    }
    // The collector must never wait for the disk, so write() is not paused on backpressure;
    // the bound on what waits in memory is this check.
    if (this.out.writableLength > this.maxPendingBytes) {
      this.droppedRecords++;
      then?.();
      if (!this.overflowing) {
        this.overflowing = true;
        this.logger.warn(
          { path: this.options.path, pendingBytes: this.out.writableLength, maxPendingBytes: this.maxPendingBytes },
          `results file ${this.options.path}: the disk is ${this.out.writableLength} bytes behind; dropping results until it catches up`,
        );
      }
      return;
    }
    if (this.overflowing) {
      this.overflowing = false;
      this.logger.warn(
        { path: this.options.path, dropped: this.droppedRecords },
        `results file ${this.options.path}: writing again (${this.droppedRecords} records dropped so far)`,
      );
    }
    this.out.write(
      `${JSON.stringify(record)}\n`,
      then
        ? (err) => {
            this.onWritten(err);
            then();
          }
        : this.onWritten,
    );
  }

  /** Called once per record; a record still queued when the stream failed is counted as dropped. */
  private readonly onWritten = (err?: Error | null): void => {
    if (err) this.droppedRecords++;
  };

  private fail(err: Error): void {
    if (this.error) return;
    this.error = err;
    this.logger.warn(
      { path: this.options.path, err: err.message, code: (err as NodeJS.ErrnoException).code },
      `results file ${this.options.path} cannot be written (${err.message}); further results are dropped`,
    );
  }
}
