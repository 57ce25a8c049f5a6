// Encoded frames for the simulator. At high rates synthesis (tens of ms per 4M frame) cannot keep
// up, so a bounded pool of distinct frames is synthesised and encoded once and then cycled: frame
// i is pool entry i % size (its truth is that entry's truth). With `live`, every frame is made on
// demand and nothing is kept, so all frames are distinct.
import { backgroundModel } from './BackgroundModel.js';
import type { DetectorModel } from './DetectorModel.js';
import { encodeSynthFrame, scratchPixels, type EncodedFrame } from './EncodedFrame.js';
import type { SynthOptions } from './FrameSynth.js';

export interface FramePoolOptions {
  model: DetectorModel;
  synth: SynthOptions;
  seed: number;
  /** Number of distinct frames kept; 0 = live (each frame made on demand, none kept). */
  size: number;
  /** Stops filling the pool once its blobs exceed this many bytes (the pool is then smaller). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1 << 30;

export class FramePool {
  private readonly options: FramePoolOptions;
  private readonly entries: EncodedFrame[] = [];
  private readonly scratch: Uint16Array | Uint32Array;
  private bytes = 0;
  private capacityLimit: number;

  constructor(options: FramePoolOptions) {
    this.options = options;
    this.capacityLimit = options.size;
    this.scratch = scratchPixels(options.model, options.synth.dtype);
  }

  get live(): boolean {
    return this.capacityLimit === 0;
  }

  /** Distinct frames currently held. */
  get size(): number {
    return this.entries.length;
  }

  /** Distinct frames the pool will hold once filled (0 in live mode). */
  get capacity(): number {
    return this.capacityLimit;
  }

  get encodedBytes(): number {
    return this.bytes;
  }

  /** Makes every pool entry now (before sending), yielding to the event loop between frames. */
  async fill(onProgress?: (done: number, total: number) => void): Promise<void> {
    backgroundModel(this.options.model, this.options.synth); // per-model tables, ~1 s for a 16M
    while (!this.live && this.entries.length < this.capacityLimit) {
      this.add();
      onProgress?.(this.entries.length, this.capacity);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The encoded frame to send as frame `index` of a series. */
  frame(index: number): EncodedFrame {
    if (this.live) return this.make(index);
    while (this.entries.length < this.capacityLimit && this.entries.length <= index) this.add();
    return this.entries[index % this.entries.length]!;
  }

  private add(): void {
    const entry = this.make(this.entries.length);
    this.entries.push(entry);
    this.bytes += entry.blob.length;
    const max = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (this.bytes >= max) this.capacityLimit = this.entries.length;
  }

  private make(sourceIndex: number): EncodedFrame {
    const { model, synth, seed } = this.options;
    return encodeSynthFrame(model, synth, seed, sourceIndex, this.scratch);
  }
}
