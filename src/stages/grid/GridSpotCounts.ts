// The spot count of each cell of a grid scan, gathered from the good path's results as they
// arrive, in the row-major form that X-ray centring reads. Only the good path's counts belong
// here: the fast path's are a preview, and centring on them would move the sample on a guess.
import { cellOfImage, gridImageCount, type GridScan } from './gridScan.js';

export class GridSpotCounts {
  private readonly counts: (number | null)[];

  constructor(private readonly grid: GridScan) {
    this.counts = new Array<number | null>(gridImageCount(grid)).fill(null);
  }

  /** Records the spots on an image (0-based). An image outside the grid is ignored. A second
   * result for the same image replaces the first, as a re-analysed frame should. */
  add(image: number, nSpots: number): void {
    const cell = cellOfImage(this.grid, image);
    if (cell) this.counts[cell.row * this.grid.cols + cell.col] = nSpots;
  }

  /** Row-major counts (index row * cols + col); null for a cell with no result yet. */
  get cells(): (number | null)[] {
    return this.counts.slice();
  }
}
