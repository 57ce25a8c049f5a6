// The grid-scan heat map: each cell's spot count and resolution, from the image the scan took
// there, as X-ray centring uses it. The good path's count is the cell's value once it has one;
// until then the fast path's, so the map fills in live even while the good path is behind.
import { cellOfImage, gridImageCount, imageOfCell, type GridScan } from '../../stages/grid/gridScan.js';
import type { FrameResult } from '../../sinks/records.js';
import type { GridView } from '../dashboardMessages.js';
import type { XrayCentringResult } from '../../stages/grid/xrayCentring.js';

export class GridHeatMap {
  private readonly spots: (number | null)[];
  private readonly dMin: (number | null)[];
  private readonly fromGood: Uint8Array;
  private readonly images: number[];
  private centring: GridView['centring'] = null;

  constructor(private readonly grid: GridScan) {
    const cells = gridImageCount(grid);
    this.spots = new Array<number | null>(cells).fill(null);
    this.dMin = new Array<number | null>(cells).fill(null);
    this.fromGood = new Uint8Array(cells);
    this.images = new Array<number>(cells);
    for (let row = 0; row < grid.rows; row++)
      for (let col = 0; col < grid.cols; col++) this.images[row * grid.cols + col] = imageOfCell(grid, col, row);
  }

  add(r: FrameResult): void {
    const cell = cellOfImage(this.grid, r.frame);
    if (!cell) return;
    const i = cell.row * this.grid.cols + cell.col;
    if (r.path === 'fast' && this.fromGood[i]) return;
    if (r.path === 'good') this.fromGood[i] = 1;
    this.spots[i] = r.n_spots;
    this.dMin[i] = r.d_min;
  }

  centred(c: XrayCentringResult): void {
    const b = c.bounding_box;
    this.centring = {
      status: c.status,
      centre: c.centre_of_mass,
      box: b && { minCol: b.min_col, minRow: b.min_row, maxCol: b.max_col, maxRow: b.max_row },
      regionCells: c.region_cells,
    };
  }

  view(): GridView {
    const g = this.grid;
    return {
      cols: g.cols,
      rows: g.rows,
      snaked: g.snaked,
      orientation: g.orientation,
      dxMm: g.dxMm,
      dyMm: g.dyMm,
      spots: this.spots.slice(),
      images: this.images,
      dMin: this.dMin.slice(),
      centring: this.centring,
    };
  }
}
