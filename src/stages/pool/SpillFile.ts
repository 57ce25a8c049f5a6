// First-in first-out spill of tasks to local disk, used when the good path falls behind
// beyond its memory budget. Records are appended to a sequence of segment files (up to
// `segmentBytes` each) and read back in order; a segment is deleted as soon as everything in
// it has been read, so disk use follows the backlog however long the run.
//
// The disk never holds up the caller's event loop (the one that receives from the detector):
// writes and reads go through libuv's asynchronous file I/O, one at a time each way. `push`
// stays synchronous: the record waits in memory, counted, until it is written (a bounded
// write buffer; when it is full, `push` refuses and the caller keeps the record itself).
// `shift` stays synchronous too: it gives what is already in memory (a record not yet
// written, or one read ahead); while the oldest record is still being read it gives
// undefined, and `onReadable` is called once it can give one.
//
// Disk errors (ENOSPC, EIO, an unwritable directory...) never throw: `push` returns a reason
// when the task could not be taken, a record the disk refuses to write stays in memory (it is
// still given back, in order, and fills the write buffer so that later pushes are refused),
// and a record that cannot be read back is skipped and listed by `drainLost()`. To report
// such a record by its frame, its task id, run, series and frame stay in memory next to the
// file (an entry of about 100 bytes per spilled task).
//
// The directory is private to our user (see privateDirectory.ts): a fresh temporary one when
// none is configured. Segment files are created new (O_EXCL) and never through a symlink
// (O_NOFOLLOW), so nothing planted under their names can be overwritten or read in their place.
import { closeSync, constants, rmSync } from 'node:fs';
import { ensurePrivateDirectory, makePrivateTempDirectory } from '../../util/privateDirectory.js';
import { join } from 'node:path';
import { encode } from '@msgpack/msgpack';
import type { TaskHeader } from './Task.js';
import type { LostReason } from '../../sinks/records.js';
import { LENGTHS, openSegment, readRecord, writeRecord } from './spillIo.js';
import { SpillEntries, type SpillEntry } from './SpillEntries.js';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Bytes waiting in memory to be written, at most, by default. */
export const DEFAULT_WRITE_BUFFER_BYTES = 64 * 1024 * 1024;
/** Records read ahead of the consumer (fewer when they are large, see READ_AHEAD_BYTES). */
const READ_AHEAD_RECORDS = 4;
const READ_AHEAD_BYTES = 32 * 1024 * 1024;
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

export interface SpillFileOptions {
  /** Bytes of records waiting to be written, at most, before push refuses. */
  writeBufferBytes?: number;
  /** Tests only: each write waits this long first, as on a disk that stalls. */
  writeDelayMs?: number;
}

/** One segment file. Its descriptor is closed only once no I/O on it is in flight. */
export interface Segment {
  path: string;
  fd: number | null;
  writeOffset: number;
  /** Records written into it, and of those, consumed (read, skipped or discarded). */
  records: number;
  consumed: number;
  /** Reads and writes in flight on it. */
  busy: number;
  retired: boolean;
}

/** Tells apart the spill files of several queues with the same name in one process. */
let instances = 0;

/** Spills good-path tasks by default; the hit-file queue spills its own records. */
export class SpillFile<H extends SpilledHeader = TaskHeader> {
  private readonly entries = new SpillEntries<H>();
  private readonly segments: Segment[] = [];
  private readonly prefix: string;
  private readonly writeBufferBytes: number;
  private nextSegment = 0;
  private bytes = 0;
  private buffered = 0;
  /** Of those, bytes still waiting for the writer (the rest the disk refused). */
  private pending = 0;
  private roomWaiters: (() => void)[] = [];
  private readAheadBytes = 0;
  private writing = false;
  private reading = false;
  private closed = false;
  /** The segment file being created, if any: close() removes it whichever finishes first. */
  private opening: string | null = null;
  /** shift() found the oldest record still on disk: onReadable is owed once it is in memory. */
  private starved = false;
  private lost: LostTask[] = [];
  private idleWaiters: (() => void)[] = [];
  /** The last I/O error, for the caller's log. */
  lastError: Error | null = null;
  /** Records the disk refused to write, kept in memory instead (given back all the same). */
  keptUnwritten = 0;
  /** Called when shift() can give a record it could not give before (read-ahead done). */
  onReadable: (() => void) | null = null;
  /** Where segments go, once the first one is made. */
  private dir: string | null = null;
  /** The directory is a temporary one of ours, removed on close. */
  private ownDir = false;

  constructor(
    /** null: a fresh private directory under the system's temporary directory. */
    private readonly configuredDir: string | null,
    name: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
    private readonly options: SpillFileOptions = {},
  ) {
    this.prefix = `${name}-${process.pid}-${instances++}`;
    this.writeBufferBytes = options.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES;
  }

  get length(): number {
    return this.entries.length;
  }

  /** Bytes of records waiting, on disk or on their way there (what has been read is given back). */
  get diskBytes(): number {
    return this.bytes;
  }

  /** Bytes held in memory for records not yet written (or that the disk refused). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * The disk is well behind: three quarters of the write buffer wait for it. A producer that
   * can wait (the receiver) should, until whenWriteRoom(), rather than have records refused.
   */
  get writeBacklogFull(): boolean {
    return this.pending >= (this.writeBufferBytes * 3) / 4;
  }

  /** Resolves once no more than half the write buffer waits for the disk (or the spill is closed). */
  whenWriteRoom(): Promise<void> {
    if (this.hasWriteRoom()) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Records written to disk so far and not yet consumed. */
  get writtenRecords(): number {
    return this.segments.reduce((n, s) => n + s.records - s.consumed, 0);
  }

  /** Segment files currently open. */
  get segmentCount(): number {
    return this.segments.length;
  }

  /**
   * Takes a task; null when taken, otherwise the reason it could not be: the directory is
   * unusable, or the write buffer is full (the disk is behind, or refusing).
   */
  push(task: SpillRecord<H>): LostReason | null {
    if (this.closed) return SPILL_FAILED;
    try {
      this.directory();
    } catch (err) {
      this.lastError = err as Error;
      return SPILL_FAILED;
    }
    const header = encode(task.header);
    const recordBytes = LENGTHS + header.byteLength + task.data.byteLength;
    // One record always fits, however large, so a frame bigger than the buffer can still spill.
    if (this.buffered > 0 && this.buffered + recordBytes > this.writeBufferBytes) return SPILL_FAILED;
    this.entries.push({ header: pick(task.header), record: task, encodedHeader: header, recordBytes, state: 'queued' });
    this.buffered += recordBytes;
    this.pending += recordBytes;
    this.bytes += recordBytes;
    this.startWriting();
    return null;
  }

  /** The oldest task in memory, or undefined; unreadable ones go to drainLost(). */
  shift(): SpillRecord<H> | undefined {
    for (let e = this.entries.peek(); e !== undefined; e = this.entries.peek()) {
      if (e.state === 'reading' || e.state === 'written') break; // on disk: the reader is on it
      this.entries.shift();
      this.bytes -= e.recordBytes;
      this.release(e);
      if (e.state === 'unreadable') {
        this.lost.push({ header: e.header, reason: SPILL_UNREADABLE });
        continue;
      }
      const record = e.record!;
      e.record = undefined;
      e.state = 'consumed';
      this.startReading();
      return record;
    }
    this.starved = this.entries.length > 0;
    this.startReading();
    return undefined;
  }

  /** Tasks that could not be read back since the last call (each reported once). */
  drainLost(): LostTask[] {
    const lost = this.lost;
    this.lost = [];
    return lost;
  }

  /** Drops every record still waiting without reading it back, and says which they were. */
  discardAll(): SpilledHeader[] {
    const dropped: SpilledHeader[] = [];
    for (let e = this.entries.shift(); e !== undefined; e = this.entries.shift()) {
      dropped.push(e.header);
      this.release(e);
      e.record = undefined;
      e.state = 'consumed';
    }
    this.bytes = 0;
    return dropped;
  }

  /** Removes every segment file; whatever was still waiting is dropped. */
  close(): void {
    this.discardAll();
    this.closed = true;
    this.lessPending(0);
    while (this.segments.length > 0) this.retire(this.segments[0]!);
    if (this.opening !== null) rmQuietly(this.opening);
    if (this.ownDir && this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
      this.ownDir = false;
    }
  }

  /** Resolves once no write or read is in flight or waiting to start (tests, shutdown). */
  settled(): Promise<void> {
    if (!this.writing && !this.reading) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Frees what a consumed entry held: its place in the write buffer or read-ahead, its segment share. */
  private release(e: SpillEntry<H>): void {
    if (e.state === 'queued' || e.state === 'writing' || e.state === 'unwritten') this.buffered -= e.recordBytes;
    if (e.state === 'queued' || e.state === 'writing') this.lessPending(e.recordBytes);
    if (e.state === 'read') this.readAheadBytes -= e.recordBytes;
    // A record being written is counted against its segment when the write completes.
    if (e.segment !== undefined && e.state !== 'writing') this.consumedFrom(e.segment);
  }

  private consumedFrom(segment: Segment): void {
    segment.consumed++;
    if (segment.consumed === segment.records && segment.busy === 0) this.retire(segment);
  }

  private startWriting(): void {
    if (this.writing || this.closed) return;
    this.writing = true;
    void this.writeQueued();
  }

  /** Writes queued records in order, one at a time; never rejects. */
  private async writeQueued(): Promise<void> {
    for (let e = this.entries.nextQueued(); e !== undefined && !this.closed; e = this.entries.nextQueued()) {
      e.state = 'writing';
      const failure = await this.writeEntry(e);
      this.wrote(e, failure);
    }
    this.writing = false;
    this.maybeIdle();
  }

  private async writeEntry(e: SpillEntry<H>): Promise<Error | null> {
    // Held here: the consumer may take the record from memory while it is being written.
    const { encodedHeader, record } = e;
    let segment: Segment | undefined;
    try {
      if (this.options.writeDelayMs) await new Promise((r) => setTimeout(r, this.options.writeDelayMs));
      if (taken(e)) return null; // taken meanwhile: nothing to write
      segment = await this.writableSegment(e.recordBytes);
      segment.busy++;
      if (taken(e)) return null; // taken meanwhile: nothing to write
      await writeRecord(segment.fd!, segment.writeOffset, encodedHeader!, record!.data);
      // A failed write leaves writeOffset where it was: the next record overwrites the debris.
      e.segment = segment;
      e.offset = segment.writeOffset;
      segment.writeOffset += e.recordBytes;
      segment.records++;
      return null;
    } catch (err) {
      return err as Error;
    } finally {
      if (segment !== undefined) this.ioDone(segment);
      if (segment !== undefined && segment.consumed === segment.records && segment.busy === 0) this.retire(segment);
    }
  }

  /** Settles an entry after its write: in memory still if the disk refused it. */
  private wrote(e: SpillEntry<H>, failure: Error | null): void {
    if (failure !== null) this.lastError = failure;
    if (e.state !== 'consumed') this.lessPending(e.recordBytes);
    if (e.state === 'consumed') {
      // Taken from memory while it was being written: its disk copy is not needed.
      if (e.segment !== undefined) this.consumedFrom(e.segment);
      return;
    }
    if (failure !== null) {
      e.state = 'unwritten';
      this.keptUnwritten++;
      return;
    }
    this.buffered -= e.recordBytes;
    e.state = 'written';
    e.record = undefined;
    e.encodedHeader = undefined;
    // Read back only once the consumer comes for it (shift): a record read at once would hold
    // its memory again while older ones are still being given out.
  }

  private hasWriteRoom(): boolean {
    return this.closed || this.pending <= this.writeBufferBytes / 2;
  }

  private lessPending(bytes: number): void {
    this.pending -= bytes;
    if (this.roomWaiters.length === 0 || !this.hasWriteRoom()) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  private startReading(): void {
    if (this.reading || this.closed) return;
    this.reading = true;
    void this.readAhead();
  }

  /** Reads the oldest written records into memory, a few ahead of the consumer; never rejects. */
  private async readAhead(): Promise<void> {
    for (;;) {
      const e = this.entries.nextToRead(READ_AHEAD_RECORDS);
      if (e === undefined || this.closed) break;
      if (this.readAheadBytes > 0 && this.readAheadBytes + e.recordBytes > READ_AHEAD_BYTES) break;
      e.state = 'reading';
      const segment = e.segment!;
      segment.busy++;
      const read = await readRecord<H>(segment.fd!, e.offset!, e.recordBytes, e.header.id);
      this.ioDone(segment);
      this.readDone(e, read);
      this.wakeIfReadable();
    }
    this.reading = false;
    this.maybeIdle();
  }

  private readDone(e: SpillEntry<H>, read: SpillRecord<H> | Error | undefined): void {
    if (e.state === 'consumed') {
      // Discarded while it was read.
      if (e.segment!.consumed === e.segment!.records && e.segment!.busy === 0) this.retire(e.segment!);
      return;
    }
    if (read instanceof Error) this.lastError = read;
    if (read === undefined || read instanceof Error) e.state = 'unreadable';
    else {
      e.state = 'read';
      e.record = read;
      this.readAheadBytes += e.recordBytes;
    }
  }

  /** Tells the consumer, if it found nothing, that the oldest record can now be had. */
  private wakeIfReadable(): void {
    const head = this.entries.peek();
    if (!this.starved || head === undefined || head.state === 'reading' || head.state === 'written') return;
    this.starved = false;
    this.onReadable?.();
  }

  private ioDone(segment: Segment): void {
    segment.busy--;
    // Retired while this I/O was in flight: its descriptor can go now.
    if (segment.retired && segment.busy === 0) this.closeQuietly(segment);
  }

  private maybeIdle(): void {
    if (this.writing || this.reading) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async writableSegment(recordBytes: number): Promise<Segment> {
    const tail = this.segments[this.segments.length - 1];
    // A record larger than a segment gets a segment of its own rather than being refused.
    if (tail && !tail.retired && (tail.writeOffset === 0 || tail.writeOffset + recordBytes <= this.segmentBytes))
      return tail;
    const path = join(this.directory(), `${this.prefix}-${this.nextSegment++}.spill`);
    this.opening = path;
    let fd: number;
    try {
      fd = await openSegment(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW);
    } finally {
      this.opening = null;
    }
    const segment: Segment = { path, fd, writeOffset: 0, records: 0, consumed: 0, busy: 0, retired: false };
    this.segments.push(segment);
    if (this.closed) {
      this.retire(segment);
      throw new Error('spill closed');
    }
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

  /** Closes and removes a segment nothing needs any more (deferred while I/O on it is in flight). */
  private retire(segment: Segment): void {
    const at = this.segments.indexOf(segment);
    if (at !== -1) this.segments.splice(at, 1);
    segment.retired = true;
    if (segment.busy === 0) this.closeQuietly(segment);
    // The data is no longer needed; a file we could not remove is only reported.
    try {
      rmSync(segment.path, { force: true });
    } catch (err) {
      this.lastError = err as Error;
    }
  }

  private closeQuietly(segment: Segment): void {
    if (segment.fd === null) return;
    try {
      closeSync(segment.fd);
    } catch (err) {
      this.lastError = err as Error;
    }
    segment.fd = null;
  }
}

/** The consumer took the record (it may, while the writer waits on the disk). */
function taken(e: SpillEntry<SpilledHeader>): boolean {
  return e.state === 'consumed';
}

function pick(h: SpilledHeader): SpilledHeader {
  return { id: h.id, run: h.run, series: h.series, frame: h.frame };
}

function rmQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Reported when the segment is retired, if it was made at all.
  }
}
