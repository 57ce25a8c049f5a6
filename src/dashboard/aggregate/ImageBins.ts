// A per-image quantity (spots, d_min) of a series as the screen plots it: the mean per bin of
// image numbers, per path. The bin width starts at what keeps the announced series within
// MAX_IMAGE_BINS and doubles (merging neighbours) whenever a later image would not fit, so a
// 100,000-image series costs the same to send as a 1,000-image one.
import { MAX_IMAGE_BINS, type ImageBinned } from '../dashboardMessages.js';
import type { PoolPath } from '../../sinks/records.js';

class MeanBins {
  sums = new Float64Array(MAX_IMAGE_BINS);
  counts = new Uint32Array(MAX_IMAGE_BINS);
  /** Bins in use: one past the highest bin with a value. */
  used = 0;

  add(bin: number, value: number): void {
    this.sums[bin]! += value;
    this.counts[bin]!++;
    if (bin >= this.used) this.used = bin + 1;
  }

  /** Halves the number of bins: bin i becomes bins 2i and 2i+1 together. */
  merge(): void {
    for (let i = 0; i < MAX_IMAGE_BINS / 2; i++) {
      this.sums[i] = this.sums[2 * i]! + this.sums[2 * i + 1]!;
      this.counts[i] = this.counts[2 * i]! + this.counts[2 * i + 1]!;
    }
    this.sums.fill(0, MAX_IMAGE_BINS / 2);
    this.counts.fill(0, MAX_IMAGE_BINS / 2);
    this.used = Math.ceil(this.used / 2);
  }

  means(length: number): (number | null)[] {
    const out: (number | null)[] = new Array(length);
    for (let i = 0; i < length; i++) out[i] = this.counts[i]! > 0 ? round3(this.sums[i]! / this.counts[i]!) : null;
    return out;
  }
}

export class ImageBins {
  private binWidth: number;
  private readonly paths: Record<PoolPath, MeanBins> = { good: new MeanBins(), fast: new MeanBins() };

  constructor(numberOfImages: number | null) {
    const n = numberOfImages !== null && numberOfImages > 0 ? numberOfImages : 1;
    this.binWidth = 1;
    while (n > this.binWidth * MAX_IMAGE_BINS) this.binWidth *= 2;
  }

  add(path: PoolPath, image: number, value: number): void {
    if (!(image >= 0) || !Number.isFinite(value)) return;
    while (image >= this.binWidth * MAX_IMAGE_BINS) {
      this.paths.good.merge();
      this.paths.fast.merge();
      this.binWidth *= 2;
    }
    this.paths[path].add(Math.floor(image / this.binWidth), value);
  }

  view(): ImageBinned {
    const length = Math.max(this.paths.good.used, this.paths.fast.used);
    return { binWidth: this.binWidth, good: this.paths.good.means(length), fast: this.paths.fast.means(length) };
  }
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;
