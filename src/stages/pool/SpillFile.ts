// First-in first-out spill of tasks to local disk, used when the good path falls behind
// beyond its memory budget. Records are appended to a sequence of segment files (up to
// `segmentBytes` each) and read back in order; a segment is deleted as soon as everything in
// it has been read, so disk use follows the backlog however long the run.
//
// Disk errors (ENOSPC, EIO, an unwritable directory...) never throw: `push` returns a reason
// when the task could not be stored, and a record that cannot be read back is skipped and
// listed by `drainLost()`. To report such a record by its frame, each record's length, task
// id, run, series and frame stay in memory (40 bytes per spilled task) next to the file.
//
// The directory is private to our user (see privateDirectory.ts): a fresh temporary one when
// none is configured. Segment files are created new (O_EXCL) and never through a symlink
// (O_NOFOLLOW), so nothing planted under their names can be overwritten or read in their place.
import { closeSync, constants, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { ensurePrivateDirectory, makePrivateTempDirectory } from '../../util/privateDirectory.js';
import { join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import type { TaskHeader } from './Task.js';
import type { LostReason } from '../../sinks/records.js';

const LENGTHS = 8; // u32 header length + u32 data length
/** Per record in a segment's index: bytes on disk, task id, run, series, frame. */
const STRIDE = 5;
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Reason given for a task that could not be written to or read back from disk. */
export const SPILL_FAILED: LostReason = 'spill-failed';
export const SPILL_UNREADABLE: LostReason = 'spill-unreadable';

/** What every spilled record's header names: the index keeps these to report a lost record. */
export type SpilledHeader = Pick<TaskHeader, 'id' | 'run' | 'series' | 'frame'>;

/** A spilled task that could not be read back: what is known of it, and why. */
export interface LostTask {
  header: SpilledHeader;
  reason: LostReason;
}

/** A record: a small header (msgpack-encoded) and the frame's bytes. */
export interface SpillRecord<H extends SpilledHeader> {
  header: H;
  data: Uint8Array;
}

interface Segment {
  path: string;
  fd: number;
  writeOffset: number;
  readOffset: number;
  /** STRIDE numbers per record written, in file order. */
  index: number[];
  /** Records already read (or skipped) from the front. */
  readRecords: number;
}

/** Tells apart the spill files of several queues with the same name in one process. */
let instances = 0;

/** Spills good-path tasks by default; the hit-file queue spills its own records. */
export class SpillFile<H extends SpilledHeader = TaskHeader> {
  private readonly segments: Segment[] = [];
  private readonly prefix: string;
  private nextSegment = 0;
  private count = 0;
  private bytes = 0;
  private lost: LostTask[] = [];
  private readonly lengths = Buffer.alloc(LENGTHS);
  private headerScratch = Buffer.alloc(512);
  /** The last I/O error, for the caller's log. */
  lastError: Error | null = null;
  /** Where segments go, once the first one is made. */
  private dir: string | null = null;
  /** The directory is a temporary one of ours, removed on close. */
  private ownDir = false;

  constructor(
    /** null: a fresh private directory under the system's temporary directory. */
    private readonly configuredDir: string | null,
    name: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {
    this.prefix = `${name}-${process.pid}-${instances++}`;
  }

  get length(): number {
    return this.count;
  }

  /** Bytes of records waiting on disk (what has been read is already given back). */
  get diskBytes(): number {
    return this.bytes;
  }

  /** Segment files currently open. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Appends a task; null when stored, otherwise the reason it could not be. */
  push(task: SpillRecord<H>): LostReason | null {
    const header = encode(task.header);
    const recordBytes = LENGTHS + header.byteLength + task.data.byteLength;
    let segment: Segment;
    try {
      segment = this.writableSegment(recordBytes);
      this.lengths.writeUInt32LE(header.byteLength, 0);
      this.lengths.writeUInt32LE(task.data.byteLength, 4);
      // A failed write leaves writeOffset where it was: the next record overwrites the debris.
      let at = segment.writeOffset;
      at = writeAll(segment.fd, this.lengths, at);
      at = writeAll(segment.fd, header, at);
      writeAll(segment.fd, task.data, at);
    } catch (err) {
      this.lastError = err as Error;
      return SPILL_FAILED;
    }
    segment.writeOffset += recordBytes;
    const h = task.header;
    segment.index.push(recordBytes, h.id, h.run, h.series, h.frame);
    this.count++;
    this.bytes += recordBytes;
    return null;
  }

  /** The oldest task that can be read back, or undefined; unreadable ones go to drainLost(). */
  shift(): SpillRecord<H> | undefined {
    while (this.count > 0) {
      const segment = this.segments[0]!;
      const i = segment.readRecords * STRIDE;
      const recordBytes = segment.index[i]!;
      const task = this.readRecord(segment, recordBytes, segment.index[i + 1]!);
      if (task === undefined) {
        this.lost.push({
          header: {
            id: segment.index[i + 1]!,
            run: segment.index[i + 2]!,
            series: segment.index[i + 3]!,
            frame: segment.index[i + 4]!,
          },
          reason: SPILL_UNREADABLE,
        });
      }
      segment.readOffset += recordBytes;
      segment.readRecords++;
      this.count--;
      this.bytes -= recordBytes;
      if (segment.readRecords * STRIDE === segment.index.length) this.retireHead();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Tasks that could not be read back since the last call (each reported once). */
  drainLost(): LostTask[] {
    const lost = this.lost;
    this.lost = [];
    return lost;
  }

  /** Drops every record still on disk without reading it back, and says which they were. */
  discardAll(): SpilledHeader[] {
    const dropped: SpilledHeader[] = [];
    for (const segment of this.segments) {
      for (let i = segment.readRecords * STRIDE; i < segment.index.length; i += STRIDE) {
        const [, id, run, series, frame] = segment.index.slice(i, i + STRIDE) as [
          number,
          number,
          number,
          number,
          number,
        ];
        dropped.push({ id, run, series, frame });
      }
    }
    while (this.segments.length > 0) this.retireHead();
    this.count = 0;
    this.bytes = 0;
    return dropped;
  }

  /** Removes every segment file; whatever was still on disk is dropped. */
  close(): void {
    while (this.segments.length > 0) this.retireHead();
    this.count = 0;
    this.bytes = 0;
    if (this.ownDir && this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
      this.ownDir = false;
    }
  }

  private writableSegment(recordBytes: number): Segment {
    const tail = this.segments[this.segments.length - 1];
    // A record larger than a segment gets a segment of its own rather than being refused.
    if (tail && (tail.writeOffset === 0 || tail.writeOffset + recordBytes <= this.segmentBytes)) return tail;
    const path = join(this.directory(), `${this.prefix}-${this.nextSegment++}.spill`);
    const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    const segment: Segment = { path, fd, writeOffset: 0, readOffset: 0, index: [], readRecords: 0 };
    this.segments.push(segment);
    return segment;
  }

  /** The private directory segments go to (made, or checked, at the first spill). */
  private directory(): string {
    if (this.dir !== null) return this.dir;
    if (this.configuredDir === null) {
      this.dir = makePrivateTempDirectory('stream-pipeline-spill-');
      this.ownDir = true;
    } else {
      ensurePrivateDirectory(this.configuredDir);
      this.dir = this.configuredDir;
    }
    return this.dir;
  }

  private readRecord(segment: Segment, recordBytes: number, id: number): SpillRecord<H> | undefined {
    try {
      readAll(segment.fd, this.lengths, segment.readOffset);
      const headerBytes = this.lengths.readUInt32LE(0);
      const dataBytes = this.lengths.readUInt32LE(4);
      // Lengths that disagree with what was written mean the file changed under us.
      if (LENGTHS + headerBytes + dataBytes !== recordBytes) return undefined;
      if (headerBytes > this.headerScratch.byteLength) this.headerScratch = Buffer.alloc(headerBytes * 2);
      const header = this.headerScratch.subarray(0, headerBytes);
      const data = Buffer.allocUnsafe(dataBytes);
      readAll(segment.fd, header, segment.readOffset + LENGTHS);
      readAll(segment.fd, data, segment.readOffset + LENGTHS + headerBytes);
      const decoded = decode(header) as H;
      if (decoded === null || typeof decoded !== 'object' || decoded.id !== id) return undefined;
      return { header: decoded, data };
    } catch (err) {
      this.lastError = err as Error;
      return undefined;
    }
  }

  private retireHead(): void {
    const segment = this.segments.shift()!;
    // The data is no longer needed; a file we could not close or remove is only reported.
    try {
      closeSync(segment.fd);
    } catch (err) {
      this.lastError = err as Error;
    }
    try {
      rmSync(segment.path, { force: true });
    } catch (err) {
      this.lastError = err as Error;
    }
  }
}

function writeAll(fd: number, buf: Uint8Array, position: number): number {
  let done = 0;
  while (done < buf.byteLength) {
    const n = writeSync(fd, buf, done, buf.byteLength - done, position + done);
    if (n === 0) throw new Error(`spill write made no progress at byte ${position + done}`);
    done += n;
  }
  return position + done;
}

function readAll(fd: number, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.byteLength) {
    const n = readSync(fd, buf, done, buf.byteLength - done, position + done);
    if (n === 0) throw new Error(`spill record ends early at byte ${position + done} (file truncated?)`);
    done += n;
  }
}
