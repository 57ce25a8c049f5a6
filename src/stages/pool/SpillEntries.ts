// The spill's records in order, each with where it is: in memory waiting to be written (or
// refused by the disk), on disk, being read back, read back into memory. The front is cut off
// now and then, so memory follows the backlog.
import type { Segment, SpilledHeader, SpillRecord } from './SpillFile.js';

/** Consumed slots at the front, at least, before the array is compacted. */
const COMPACT_AFTER = 1024;

export type EntryState =
  'queued' | 'writing' | 'unwritten' | 'written' | 'reading' | 'read' | 'unreadable' | 'consumed';

export interface SpillEntry<H extends SpilledHeader> {
  /** What a lost record is reported by (only this is kept once the record is on disk). */
  header: SpilledHeader;
  /** The record, while it is in memory (before it is written, or once it is read back). */
  record: SpillRecord<H> | undefined;
  /** The msgpack header, until the record is written. */
  encodedHeader: Uint8Array | undefined;
  recordBytes: number;
  state: EntryState;
  /** Where it was written. */
  segment?: Segment;
  offset?: number;
}

export class SpillEntries<H extends SpilledHeader> {
  private items: (SpillEntry<H> | undefined)[] = [];
  private head = 0;
  /** Entries waiting for the writer, in order (consumed ones are skipped when reached). */
  private toWrite: (SpillEntry<H> | undefined)[] = [];
  private writeHead = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(e: SpillEntry<H>): void {
    this.items.push(e);
    this.toWrite.push(e);
  }

  peek(): SpillEntry<H> | undefined {
    return this.items[this.head];
  }

  shift(): SpillEntry<H> | undefined {
    if (this.head === this.items.length) return undefined;
    const e = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > COMPACT_AFTER && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return e;
  }

  /** The oldest entry still to be written. */
  nextQueued(): SpillEntry<H> | undefined {
    while (this.writeHead < this.toWrite.length) {
      const e = this.toWrite[this.writeHead];
      this.toWrite[this.writeHead++] = undefined;
      if (this.writeHead > COMPACT_AFTER && this.writeHead * 2 > this.toWrite.length) {
        this.toWrite.splice(0, this.writeHead);
        this.writeHead = 0;
      }
      if (e!.state === 'queued') return e;
    }
    this.toWrite = [];
    this.writeHead = 0;
    return undefined;
  }

  /** The oldest entry on disk and not yet being read, among the `within` oldest. */
  nextToRead(within: number): SpillEntry<H> | undefined {
    const end = Math.min(this.items.length, this.head + within);
    for (let i = this.head; i < end; i++) if (this.items[i]!.state === 'written') return this.items[i];
    return undefined;
  }
}
