// The frames of a simulated grid scan. Unlike a serial-crystallography pool, which cycles a few
// frames, every cell must show its own spot count: each image with spots is a frame of its own,
// made from its image number. Images without spots are alike but for noise, so they share a few
// frames, made from the first empty images; pre-encoding then costs the crystal's cells (at most
// a few dozen, see SimulatedGrid.ts) and not the whole grid. Live, every frame is made on demand.
import { backgroundModel } from './BackgroundModel.js';
import type { DetectorModel } from './DetectorModel.js';
import { encodeSynthFrame, scratchPixels, type EncodedFrame } from './EncodedFrame.js';
import type { SynthOptions } from './FrameSynth.js';

/** Distinct frames the empty cells share. */
const SHARED_EMPTY = 16;
const DEFAULT_MAX_BYTES = 1 << 30;

export interface GridFramesOptions {
  model: DetectorModel;
  /** The stream's synthesis options; the grid's spot counts replace its hit fraction. */
  synth: SynthOptions;
  seed: number;
  /** Spots on each image of the grid, by image number. */
  spotCounts: readonly number[];
  /** Make every frame on demand, keep none. */
  live: boolean;
  /** Stops pre-encoding once the frames kept exceed this many bytes (the rest are made on demand). */
  maxBytes?: number;
}

export class GridFrames {
  private readonly options: GridFramesOptions;
  private readonly synth: SynthOptions;
  private readonly kept = new Map<number, EncodedFrame>();
  /** Image numbers whose frames the empty cells share. */
  private readonly emptySources: number[] = [];
  private readonly scratch: Uint16Array | Uint32Array;
  private bytes = 0;

  constructor(options: GridFramesOptions) {
    this.options = options;
    this.synth = { ...options.synth, spotCounts: options.spotCounts };
    this.scratch = scratchPixels(options.model, options.synth.dtype);
    for (let i = 0; i < options.spotCounts.length && this.emptySources.length < SHARED_EMPTY; i++) {
      if (options.spotCounts[i] === 0) this.emptySources.push(i);
    }
  }

  get images(): number {
    return this.options.spotCounts.length;
  }

  get live(): boolean {
    return this.options.live;
  }

  /** Distinct frames held. */
  get size(): number {
    return this.kept.size;
  }

  /** Distinct frames it will hold once filled (0 live). */
  get capacity(): number {
    return this.options.live ? 0 : this.plannedSources().length;
  }

  get encodedBytes(): number {
    return this.bytes;
  }

  /** Makes the frames to keep now (before sending), yielding to the event loop between frames. */
  async fill(onProgress?: (done: number, total: number) => void): Promise<void> {
    backgroundModel(this.options.model, this.synth);
    if (this.options.live) return;
    const sources = this.plannedSources();
    for (const source of sources) {
      if (this.bytes >= (this.options.maxBytes ?? DEFAULT_MAX_BYTES)) break;
      this.keep(source);
      onProgress?.(this.kept.size, sources.length);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** The encoded frame to send as image `index` of the grid series. */
  frame(index: number): EncodedFrame {
    const source = this.sourceOf(index);
    return this.kept.get(source) ?? this.make(source);
  }

  /** The image whose frame is sent as image `index`: its own, or a shared empty one. */
  private sourceOf(index: number): number {
    if (this.options.live || this.emptySources.length === 0 || (this.options.spotCounts[index] ?? 0) > 0) return index;
    return this.emptySources[index % this.emptySources.length]!;
  }

  private plannedSources(): number[] {
    const withSpots = this.options.spotCounts.flatMap((n, image) => (n > 0 ? [image] : []));
    return [...withSpots, ...this.emptySources];
  }

  private keep(source: number): void {
    const entry = this.make(source);
    this.kept.set(source, entry);
    this.bytes += entry.blob.length;
  }

  private make(source: number): EncodedFrame {
    const { model, seed } = this.options;
    return encodeSynthFrame(model, this.synth, seed, source, this.scratch);
  }
}
