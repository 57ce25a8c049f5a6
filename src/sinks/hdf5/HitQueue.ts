// Hits waiting for the writer process: first in, first out, in memory while the good path's
// memory budget has room (the budget is shared with the good path's waiting frames), then on
// disk (SpillFile). A writer that falls behind therefore costs memory up to the budget and then
// disk, and never a hit; a hit the disk refuses or cannot give back is reported by drainLost().
import type { Codec } from '../../receiver/events.js';
import { SpillFile, type SpillRecord } from '../../stages/pool/SpillFile.js';
import { OVERDRAFT } from '../../stages/pool/ReliableQueue.js';
import type { LostTask } from '../../stages/pool/SpillFile.js';
import type { NotWrittenReason } from '../records.js';
import type { HitFrameResult } from './hitFileTypes.js';
import { FifoQueue } from '../../util/FifoQueue.js';

/** What is kept of a frame besides its bytes (spilled as msgpack with them). */
export interface HitHeader {
  id: number;
  run: number;
  series: number;
  frame: number;
  codec: Codec;
  elemSize: 1 | 2 | 4;
  receivedAt: number;
  result: HitFrameResult;
}

export type Hit = SpillRecord<HitHeader>;

/** Bytes a hit holds in memory beyond its chunk (header, spot list). */
function hitBytes(hit: Hit): number {
  return hit.data.byteLength + 256 + 24 * hit.header.result.spots.length;
}

export interface HitQueueOptions {
  memoryBudgetBytes: number;
  /** Bytes the good path holds in memory under the same budget. */
  otherMemoryBytes: () => number;
  /** null: a private temporary directory. */
  spillDir: string | null;
}

export class HitQueue {
  private readonly memory = new FifoQueue<Hit>();
  private bytes = 0;
  private readonly spill: SpillFile<HitHeader>;
  private refused: LostTask[] = [];
  spilledTotal = 0;

  constructor(private readonly options: HitQueueOptions) {
    this.spill = new SpillFile<HitHeader>(options.spillDir, 'hits');
  }

  /** Called when a spilled hit that shift() could not give before has been read back. */
  set onReadable(wake: (() => void) | null) {
    this.spill.onReadable = wake;
  }

  get length(): number {
    return this.memory.length + this.spill.length;
  }

  get onDisk(): number {
    return this.spill.length;
  }

  get memoryBytes(): number {
    return this.bytes;
  }

  get lastSpillError(): Error | null {
    return this.spill.lastError;
  }

  /** Memory while the shared budget has room and nothing older waits on disk (order is kept), else disk. */
  push(hit: Hit): void {
    const size = hitBytes(hit);
    const room = this.bytes + this.options.otherMemoryBytes() + size <= this.options.memoryBudgetBytes;
    if (room && this.spill.length === 0) {
      this.memory.push(hit);
      this.bytes += size;
      return;
    }
    const failed = this.spill.push(hit);
    if (failed === null) {
      this.spilledTotal++;
      return;
    }
    // Refused (the disk is failing, or behind with its write buffer full): kept in memory up
    // to OVERDRAFT times the budget, as the good path does, before it is lost.
    const held = this.bytes + this.options.otherMemoryBytes() + size;
    if (held > OVERDRAFT * this.options.memoryBudgetBytes) this.refused.push({ header: hit.header, reason: failed });
    else {
      this.memory.push(hit);
      this.bytes += size;
    }
  }

  shift(): Hit | undefined {
    const hit = this.memory.shift();
    if (hit === undefined) return this.spill.shift();
    this.bytes -= hitBytes(hit);
    return hit;
  }

  /** Hits the disk refused or could not give back since the last call, with the reason. */
  drainLost(): { run: number; frame: number; reason: NotWrittenReason }[] {
    const lost = [...this.refused, ...this.spill.drainLost()].map((l) => ({
      run: l.header.run,
      frame: l.header.frame,
      reason: l.reason === 'spill-failed' ? ('spill-failed' as const) : ('spill-unreadable' as const),
    }));
    this.refused = [];
    return lost;
  }

  /** Empties the queue without reading anything back from disk: the run of each hit dropped. */
  discardAll(): number[] {
    const runs = this.memory.drain().map((hit) => hit.header.run);
    this.bytes = 0;
    for (const h of this.spill.discardAll()) runs.push(h.run);
    return runs;
  }

  close(): void {
    this.spill.close();
  }
}
