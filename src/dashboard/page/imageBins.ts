// The x values of an image-binned panel: bin i starts at image i * binWidth. The array is kept
// while the bin count and width stay, so most updates allocate nothing for it.
import type { ImageBinned } from '../dashboardMessages.js';

export class BinStarts {
  private xs: number[] = [];
  private width = 0;

  of(binned: ImageBinned): number[] {
    const n = Math.max(binned.good.length, binned.fast.length);
    if (n !== this.xs.length || binned.binWidth !== this.width) {
      this.width = binned.binWidth;
      this.xs = Array.from({ length: n }, (_, i) => i * binned.binWidth);
    }
    return this.xs;
  }
}
