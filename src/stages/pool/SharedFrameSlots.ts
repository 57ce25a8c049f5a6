// Frame slots in shared memory between the pipeline and a worker on the same machine.
//
// Over the socket, each task's compressed frame (1.3 MB for a 4M uint32 frame) would be copied
// through the kernel twice and arrive in the worker as a fresh buffer, whose garbage collection
// stalls the worker every few dozen frames. Instead, a local worker creates a region of
// `slots` x `slotBytes` (one slot per frame of credit), names it in its hello, and the pipeline
// copies each task's bytes into a free slot and sends only the header, naming the slot.
//
// A slot belongs to one task from claim() until the worker answers that task (release()): the
// worker reads the bytes before it answers, so the pipeline never overwrites bytes being read.
// The pipeline removes the region's name as soon as it has mapped it, and both sides close()
// their mapping when the worker leaves, so a region lives exactly as long as it is used.
// After a reset the worker ignores tasks sent before its new welcome (their slots may already
// hold other frames); the pipeline has redelivered those tasks anyway.
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { nativeAddon } from '../../native/addon.js';

/** What a worker announces in its hello. */
export interface SlotLayout {
  /** POSIX shared memory name, "/stream-pipeline-..." */
  name: string;
  slots: number;
  slotBytes: number;
}

/** A worker's slot size when it is not told one (`worker --shm-slot-mb`). */
export const DEFAULT_SLOT_MB = 16;
/** More slots than a worker's largest credit are never used. */
export const MAX_SLOTS = 16;
/** A slot larger than this is refused (a raw 16M uint32 frame is 72 MB). */
export const MAX_SLOT_BYTES = 256 * 1024 * 1024;

const shm = () => nativeAddon();

/** Throws naming what is wrong with an announced layout (it comes from another process). */
export function checkLayout(layout: unknown): SlotLayout {
  const l = layout as Partial<SlotLayout> | null;
  if (typeof l !== 'object' || l === null) throw new Error('slot layout is not an object');
  if (typeof l.name !== 'string') throw new Error('slot layout has no name');
  if (!Number.isInteger(l.slots) || l.slots! < 1 || l.slots! > MAX_SLOTS)
    throw new Error(`slot count ${String(l.slots)} is not in 1..${MAX_SLOTS}`);
  if (!Number.isInteger(l.slotBytes) || l.slotBytes! < 1 || l.slotBytes! > MAX_SLOT_BYTES) {
    throw new Error(`slot size ${String(l.slotBytes)} is not in 1..${MAX_SLOT_BYTES}`);
  }
  return { name: l.name, slots: l.slots!, slotBytes: l.slotBytes! };
}

export class SharedFrameSlots {
  private readonly memory: Uint8Array;
  /** Pipeline side: the task id each slot holds, or -1 when free. */
  private readonly holder: Float64Array;
  private unlinked = false;
  private closed = false;

  private constructor(
    readonly layout: SlotLayout,
    buffer: ArrayBuffer,
  ) {
    this.memory = new Uint8Array(buffer);
    this.holder = new Float64Array(layout.slots).fill(-1);
  }

  /** Worker side: a new region under a fresh name, readable and writable by this user only. */
  static create(slots: number, slotBytes: number): SharedFrameSlots {
    const layout = checkLayout({
      name: `/stream-pipeline-${process.pid}-${randomBytes(6).toString('hex')}`,
      slots,
      slotBytes,
    });
    try {
      return new SharedFrameSlots(layout, shm().shmCreate(layout.name, slots * slotBytes));
    } catch (err) {
      // The native message names the region and why (e.g. /dev/shm full); this, what it was for.
      throw new Error(`${slots} frame slots of ${slotBytes} bytes: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Pipeline side: maps the region a worker announced; throws when it cannot be reached or is
   * larger than `limits` allow (the pipeline reserves every page it maps, so a stranger must not
   * be able to make it reserve a gigabyte).
   */
  static attach(announced: unknown, limits: { slots: number; slotBytes: number }): SharedFrameSlots {
    const layout = checkLayout(announced);
    if (layout.slots > limits.slots)
      throw new Error(`${layout.slots} slots is more than the ${limits.slots} the worker's credit needs`);
    if (layout.slotBytes > limits.slotBytes)
      throw new Error(`slots of ${layout.slotBytes} bytes are larger than the configured ${limits.slotBytes}`);
    return new SharedFrameSlots(layout, shm().shmOpen(layout.name, layout.slots * layout.slotBytes));
  }

  /**
   * Pipeline side: copies a task's bytes into a free slot and returns its index, or -1 when the
   * bytes do not fit or no slot is free (the task then goes over the socket).
   */
  claim(taskId: number, data: Uint8Array): number {
    if (this.closed || data.byteLength > this.layout.slotBytes) return -1;
    const index = this.holder.indexOf(-1);
    if (index < 0) return -1;
    this.holder[index] = taskId;
    this.memory.set(data, index * this.layout.slotBytes);
    return index;
  }

  /** Pipeline side: the worker answered `taskId`; its slot is free again. */
  release(taskId: number): void {
    const index = this.holder.indexOf(taskId);
    if (index >= 0) this.holder[index] = -1;
  }

  /** Worker side: a task's bytes, without copying; throws when the slot reference is impossible. */
  view(index: number, length: number): Buffer {
    if (this.closed) throw new Error('the frame slots are closed');
    if (!Number.isInteger(index) || index < 0 || index >= this.layout.slots)
      throw new Error(`slot ${index} does not exist`);
    if (!Number.isInteger(length) || length < 0 || length > this.layout.slotBytes)
      throw new Error(`slot length ${length} exceeds the slot`);
    return Buffer.from(this.memory.buffer, index * this.layout.slotBytes, length);
  }

  /**
   * Removes the regions a (dead) process of this machine left named: a worker killed between
   * its hello and the pipeline's answer leaves its slots reserved in /dev/shm. Returns how many.
   */
  static removeLeftovers(pid: number): number {
    const prefix = `stream-pipeline-${pid}-`;
    let removed = 0;
    try {
      for (const name of readdirSync('/dev/shm')) {
        if (!name.startsWith(prefix)) continue;
        rmSync(`/dev/shm/${name}`, { force: true });
        removed++;
      }
    } catch {
      // No /dev/shm listing here: nothing we made can be there either.
    }
    return removed;
  }

  /** Removes the name (both mappings stay valid); done once the pipeline has answered the hello. */
  unlink(): void {
    if (this.unlinked) return;
    this.unlinked = true;
    shm().shmUnlink(this.layout.name);
  }

  /** Unlinks and unmaps now (views taken earlier read as empty); the slots cannot be used after. */
  close(): void {
    this.unlink();
    if (this.closed) return;
    this.closed = true;
    shm().shmClose(this.memory.buffer as ArrayBuffer);
  }
}
