// The durable good path (pipeline.good.journal_dir, --journal DIR). Every frame the receiver
// takes is appended to the current segment before the good path gets it; once its result is
// written the frame is marked done (done.log), and a segment whose frames are all done is
// deleted. A pipeline started after its earlier life died reads the segments back first
// (recover) and hands the frames that life had not finished to the good path again.
//
// All file I/O is asynchronous, one write after another on a chain, so the disk never holds
// up the event loop that receives from the detector. The journal is bounded: beyond its size
// limit, with more than MAX_PENDING_BYTES waiting for the disk, or while its disk fails,
// frames go to the good path unjournaled (counted, with a warning), and the pipeline goes on.
import { open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Task, TaskHeader } from '../pool/Task.js';
import {
  DONE_FILE,
  DONE_MARK_BYTES,
  encodeDoneMark,
  encodeSegmentHeader,
  encodeTaskRecord,
  SEGMENT_FILE,
  SEGMENT_HEADER_BYTES,
  segmentName,
} from './journalFormat.js';
import { readSegment } from './readSegment.js';

/** A segment is closed and a new one begun past this size (each is deleted as a whole), or past
 * a sixteenth of the size limit, so finished segments free room well before the limit. */
const SEGMENT_BYTES = 256 * 1024 * 1024;
/** Frames waiting for the disk, at most: a disk that falls this far behind does not hold up
 * the good path, whose frames then go on unjournaled. */
const MAX_PENDING_BYTES = 256 * 1024 * 1024;
/** Done marks are written in batches, this often. */
const DONE_FLUSH_MS = 100;

export interface GoodJournalOptions {
  dir: string;
  maxBytes: number;
  logger: Logger;
}

export interface JournalCounters {
  /** Frames written to the journal, and frames the good path got without (limit, disk). */
  journaled: number;
  notJournaled: number;
  /** Frames handed to the good path again at start, from an earlier life's journal. */
  replayed: number;
  /** Records dropped at start: written only in part when the earlier life died. */
  tornRecords: number;
  segments: number;
  bytes: number;
  /** Bytes written to segments since start. */
  bytesWritten: number;
}

interface Segment {
  number: number;
  bytes: number;
  /** Frames in it not yet done. */
  pending: number;
  /** Still being written (the current segment). */
  open: boolean;
}

/** What recover() is told by the pipeline about each journaled frame. */
export interface RecoverPolicy {
  /** The frame is to be worked off now; `task` is its task, with a fresh id to assign. */
  replay(task: Task): Promise<boolean>;
  /** Whether done.log is the word on what was finished (no results file to read it from). */
  trustDoneMarks: boolean;
}

const key = (run: number, frame: number) => `${run}:${frame}`;

export class GoodJournal {
  private readonly segments = new Map<number, Segment>();
  /** The segment of each journaled frame not yet done. */
  private readonly where = new Map<string, Segment>();
  private current: { segment: Segment; file: FileHandle } | null = null;
  private nextSegment = 1;
  /** The write chain: each write starts after the one before. */
  private chain: Promise<void> = Promise.resolve();
  private pendingBytes = 0;
  private doneMarks: Buffer[] = [];
  private doneFile: FileHandle | null = null;
  private doneTimer: NodeJS.Timeout | null = null;
  /** Why frames are not journaled just now (warned once per spell), or null. */
  private refusing: string | null = null;
  /** After a failed write the segment may end in a torn record: the next write starts a new one. */
  private broken = false;
  private closed = false;
  readonly counters: JournalCounters = {
    journaled: 0,
    notJournaled: 0,
    replayed: 0,
    tornRecords: 0,
    segments: 0,
    bytes: 0,
    bytesWritten: 0,
  };

  private readonly segmentBytes: number;

  constructor(private readonly options: GoodJournalOptions) {
    this.segmentBytes = Math.max(1, Math.min(SEGMENT_BYTES, Math.floor(options.maxBytes / 16)));
  }

  /**
   * Reads the earlier life's segments: each frame the policy takes is worked off (exactly once:
   * the done marks, or the results file through the policy, say what needs no second go).
   * Segments left with nothing to do are deleted; the done marks are compacted.
   */
  async recover(policy: RecoverPolicy): Promise<void> {
    const { dir, logger } = this.options;
    const doneBefore = await this.readDoneMarks();
    const numbers = (await readdir(dir))
      .map((f) => SEGMENT_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const n of numbers) {
      const segment: Segment = {
        number: n,
        bytes: (await stat(join(dir, segmentName(n)))).size,
        pending: 0,
        open: false,
      };
      this.segments.set(n, segment);
      await this.recoverSegment(segment, policy, doneBefore);
      this.nextSegment = Math.max(this.nextSegment, n + 1);
    }
    for (const segment of [...this.segments.values()]) if (segment.pending === 0) await this.deleteSegment(segment);
    await this.compactDoneMarks(doneBefore);
    this.updateSizes();
    if (numbers.length > 0)
      logger.info(
        { segments: numbers.length, replayed: this.counters.replayed, tornRecords: this.counters.tornRecords },
        `journal: read ${numbers.length} segments of an earlier life, ${this.counters.replayed} frames to work off`,
      );
  }

  /**
   * Appends the frame; resolves true once it is on disk (the page cache: a process that dies
   * loses nothing written), false at once when it goes unjournaled. Never rejects.
   */
  append(task: Task): Promise<boolean> {
    const record = encodeTaskRecord(task.header, task.data);
    const bytes = record.reduce((n, b) => n + b.length, 0);
    const refusal = this.refusal(bytes);
    if (refusal) {
      this.refuse(refusal);
      return Promise.resolve(false);
    }
    if (this.refusing) {
      this.options.logger.warn({ notJournaled: this.counters.notJournaled }, 'journal: journaling frames again');
      this.refusing = null;
    }
    this.pendingBytes += bytes;
    const written = this.chain.then(() => this.write(task.header, record, bytes));
    this.chain = written.then(
      () => undefined,
      () => undefined,
    );
    return written.finally(() => (this.pendingBytes -= bytes));
  }

  /** The frame's result is written (or it is lost for good): its record is no longer needed. */
  done(run: number, frame: number): void {
    const k = key(run, frame);
    const segment = this.where.get(k);
    if (!segment) return;
    this.where.delete(k);
    this.doneMarks.push(encodeDoneMark(run, frame));
    this.doneTimer ??= setTimeout(() => this.flushDoneMarks(), DONE_FLUSH_MS);
    if (--segment.pending === 0 && !segment.open) void this.deleteSegment(segment);
  }

  /** Frames journaled and not done. */
  get pending(): number {
    return this.where.size;
  }

  /** Waits for the writes in progress and closes the files. Segments with frames not done stay
   * for the next start; a journal with nothing left to do leaves no file behind. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushDoneMarks();
    await this.chain;
    const current = this.current;
    this.current = null;
    if (current) {
      current.segment.open = false;
      await current.file.close();
      if (current.segment.pending === 0) await this.deleteSegment(current.segment);
    }
    await this.doneFile?.close();
    this.doneFile = null;
    if (this.segments.size === 0) await rm(join(this.options.dir, DONE_FILE), { force: true });
  }

  private refusal(bytes: number): string | null {
    if (this.closed) return 'the journal is closed';
    if (this.counters.bytes + this.pendingBytes + bytes > this.options.maxBytes)
      return `the journal holds ${mb(this.counters.bytes)} MB, its limit is ${mb(this.options.maxBytes)} MB (pipeline.good.journal_max_mb)`;
    if (this.pendingBytes + bytes > MAX_PENDING_BYTES) return `its disk is ${mb(this.pendingBytes)} MB behind`;
    return null;
  }

  private refuse(why: string): void {
    this.counters.notJournaled++;
    if (this.refusing) return;
    this.refusing = why;
    this.options.logger.warn(
      { why, dir: this.options.dir },
      `journal: frames go to the good path unjournaled (${why}); a pipeline that dies now loses those it has not finished`,
    );
  }

  private async write(header: TaskHeader, record: Buffer[], bytes: number): Promise<boolean> {
    try {
      const current = await this.currentSegment(bytes);
      await current.file.writev(record);
      current.segment.bytes += bytes;
      this.counters.bytesWritten += bytes;
      current.segment.pending++;
      this.where.set(key(header.run, header.frame), current.segment);
      this.counters.journaled++;
      this.updateSizes();
      return true;
    } catch (err) {
      this.broken = true;
      this.refuse(`writing ${this.options.dir} failed: ${(err as Error).message}`);
      return false;
    }
  }

  /** The segment to write `bytes` more to: a new one when there is none, it is full, or broken. */
  private async currentSegment(bytes: number): Promise<{ segment: Segment; file: FileHandle }> {
    const c = this.current;
    if (c && !this.broken && c.segment.bytes + bytes <= this.segmentBytes) return c;
    if (c) {
      this.current = null;
      c.segment.open = false;
      await c.file.close().catch(() => undefined);
      if (c.segment.pending === 0) void this.deleteSegment(c.segment); // after this write: it runs on the chain
    }
    const number = this.nextSegment++;
    const file = await open(join(this.options.dir, segmentName(number)), 'wx', 0o600);
    await file.write(encodeSegmentHeader(number));
    const segment: Segment = { number, bytes: SEGMENT_HEADER_BYTES, pending: 0, open: true };
    this.segments.set(number, segment);
    this.broken = false;
    this.current = { segment, file };
    return this.current;
  }

  private async recoverSegment(segment: Segment, policy: RecoverPolicy, doneBefore: Set<string>): Promise<void> {
    const path = join(this.options.dir, segmentName(segment.number));
    const file = await open(path, 'r');
    try {
      const end = await readSegment(file, segment.number, async ({ header, data }) => {
        const h = taskHeaderOf(header);
        if (!h) return;
        if (policy.trustDoneMarks && doneBefore.has(key(h.run, h.frame))) return;
        // Entered before the good path has it: its result may come before replay() returns.
        const k = key(h.run, h.frame);
        segment.pending++;
        this.where.set(k, segment);
        if (await policy.replay({ header: h, data })) {
          this.counters.replayed++;
          return;
        }
        this.where.delete(k);
        segment.pending--;
      });
      if (end.kind !== 'end') {
        if (end.kind === 'torn') this.counters.tornRecords++;
        this.options.logger.warn(
          { segment: path, at: end.at, problem: end.problem },
          end.kind === 'torn'
            ? `journal: dropped the last record of ${path}, written only in part when the pipeline died (${end.problem})`
            : `journal: ${path} is damaged at byte ${end.at} (${end.problem}); the frames after it cannot be worked off`,
        );
      }
    } finally {
      await file.close();
    }
  }

  private async readDoneMarks(): Promise<Set<string>> {
    const done = new Set<string>();
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.options.dir, DONE_FILE));
    } catch {
      return done;
    }
    // A mark cut short at the end (the process died mid-write) is no mark.
    for (let at = 0; at + DONE_MARK_BYTES <= bytes.length; at += DONE_MARK_BYTES)
      done.add(key(bytes.readUInt32LE(at), bytes.readUInt32LE(at + 4)));
    return done;
  }

  /** Rewrites done.log: empty when no segment is left, else as it was (without torn marks). */
  private async compactDoneMarks(doneBefore: Set<string>): Promise<void> {
    const path = join(this.options.dir, DONE_FILE);
    const kept = this.segments.size === 0 ? [] : [...doneBefore];
    const out = Buffer.allocUnsafe(kept.length * DONE_MARK_BYTES);
    kept.forEach((k, i) => {
      const [run, frame] = k.split(':').map(Number);
      out.writeUInt32LE(run!, i * DONE_MARK_BYTES);
      out.writeUInt32LE(frame!, i * DONE_MARK_BYTES + 4);
    });
    const file = await open(`${path}.tmp`, 'w', 0o600);
    await file.write(out);
    await file.close();
    await rename(`${path}.tmp`, path);
  }

  private flushDoneMarks(): void {
    if (this.doneTimer) clearTimeout(this.doneTimer);
    this.doneTimer = null;
    if (this.doneMarks.length === 0) return;
    const marks = Buffer.concat(this.doneMarks);
    this.doneMarks = [];
    void this.enqueue(async () => {
      this.doneFile ??= await open(join(this.options.dir, DONE_FILE), 'a', 0o600);
      await this.doneFile.write(marks);
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.chain
      .then(work)
      .catch((err: unknown) =>
        this.options.logger.warn(
          { dir: this.options.dir, err: (err as Error).message },
          'journal: file operation failed',
        ),
      );
    this.chain = next;
    return next;
  }

  /** Forgets the segment at once (its room is free for new frames) and removes its file in turn. */
  private deleteSegment(segment: Segment): Promise<void> {
    if (!this.segments.delete(segment.number)) return Promise.resolve();
    this.updateSizes();
    return this.enqueue(() => this.removeSegmentFile(segment));
  }

  private async removeSegmentFile(segment: Segment): Promise<void> {
    await rm(join(this.options.dir, segmentName(segment.number)), { force: true });
    // Nothing journaled is waiting any more: the marks so far are of no use, and would grow
    // by 8 bytes a frame for as long as the pipeline runs.
    if (this.where.size === 0 && this.doneMarks.length === 0) await this.doneFile?.truncate(0);
  }

  private updateSizes(): void {
    let bytes = 0;
    for (const s of this.segments.values()) bytes += s.bytes;
    this.counters.bytes = bytes;
    this.counters.segments = this.segments.size;
  }
}

/** A journaled task header, or null when the record's JSON is not one. */
function taskHeaderOf(v: unknown): TaskHeader | null {
  if (typeof v !== 'object' || v === null) return null;
  const h = v as Partial<TaskHeader>;
  const ints = [h.id, h.run, h.series, h.frame, h.width, h.height];
  if (!ints.every((x) => Number.isInteger(x))) return null;
  if (typeof h.dtype !== 'string' || typeof h.channel !== 'string' || typeof h.encoding !== 'object') return null;
  return h as TaskHeader;
}

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));
