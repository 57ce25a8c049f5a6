// X-ray centring of a grid scan: where on the grid the crystal is, found from the spot count
// on each cell's image. It follows Diamond's X-ray centring of a 2D grid scan, the result that
// GDA reads to move the sample:
//   1. The best cell is the one with the most spots; on a tie, the first in image order. With
//      no spots anywhere there is nothing to centre on.
//   2. Cells with at least THRESHOLD_FRACTION (half) of the best cell's spots are kept. The
//      threshold is fixed: Diamond's `threshold` parameter (0.25) is used only by its 3D
//      centring from two perpendicular scans, which also weights by counts. This is not that.
//   3. Kept cells that touch at an edge or a corner (8-connectivity) form one region.
//   4. The crystal is the region with the most cells. Its spot total and its peak play no
//      part, so a large, weak region beats one strong cell. Regions of equal size go to the
//      one reached first when scanning rows top down, each row left to right.
//   5. The centre of mass is the mean of the region's cell centres. Each cell counts once and
//      is not weighted by its spots.
// Diamond's service waits until it has a result for every image. Here a cell with no result
// counts as 0 spots and is listed in `cells_missing`, so a scan whose last results are late
// or lost can still be centred, and the caller can see how much was missing.
import { cellOfImage, gridImageCount, imageOfCell, type GridScan } from './gridScan.js';

/** A cell is kept when it has at least this fraction of the best cell's spots. */
export const THRESHOLD_FRACTION = 0.5;

export interface GridCell {
  col: number;
  row: number;
}

export interface XrayCentringResult {
  type: 'xray_centring';
  series: number;
  status: 'ok' | 'no-diffraction';
  cols: number;
  rows: number;
  /** The cell with the most spots, anywhere on the grid; the image is 0-based. */
  best_cell: { col: number; row: number; image: number; spots: number } | null;
  /** Cells with at least this many spots are kept. */
  threshold_spots: number;
  /** Centre of the crystal's region in fractional cell coordinates: cell (c, r) spans
   * [c, c+1) x [r, r+1), so a region of one cell has its centre at (c + 0.5, r + 0.5). */
  centre_of_mass: { col: number; row: number } | null;
  /** The centre in mm from the first cell's centre, along the columns (x) and the rows (y).
   * Null unless the grid gives both step sizes. */
  centre_mm: { x: number; y: number } | null;
  /** The region's extent as cell indices, both ends included. */
  bounding_box: { min_col: number; min_row: number; max_col: number; max_row: number } | null;
  region_cells: number;
  /** Total spots on the region's cells. */
  region_spots: number;
  /** The region's strongest cell; on a tie, the first scanning rows. */
  region_max_cell: { col: number; row: number; spots: number } | null;
  /** The region's cells, in row-major order. */
  region: GridCell[];
  /** Cells with no result; they count as 0 spots. */
  cells_missing: { col: number; row: number; image: number }[];
}

/**
 * Centres on the crystal of a grid from its cells' spot counts. `spotsPerCell` is row-major
 * (index row * cols + col), with null for a cell that has no result. Throws a RangeError if
 * the counts do not fit the grid, or if a count is not a non-negative number.
 */
export function xrayCentring(
  grid: GridScan,
  spotsPerCell: readonly (number | null)[],
  series: number,
): XrayCentringResult {
  const spots = checkedCounts(grid, spotsPerCell);
  const result = emptyResult(grid, series, missingCells(grid, spotsPerCell));
  const best = bestCell(grid, spots);
  if (!best) return result;
  const threshold = THRESHOLD_FRACTION * best.spots;
  const region = largestRegion(grid, spots, threshold);
  return {
    ...result,
    status: 'ok',
    best_cell: best,
    threshold_spots: threshold,
    ...describeRegion(grid, spots, region),
  };
}

function checkedCounts(grid: GridScan, spotsPerCell: readonly (number | null)[]): Float64Array {
  if (spotsPerCell.length !== gridImageCount(grid)) {
    throw new RangeError(
      `a ${grid.cols}x${grid.rows} grid has ${gridImageCount(grid)} cells, got ${spotsPerCell.length} counts`,
    );
  }
  const spots = new Float64Array(spotsPerCell.length);
  spotsPerCell.forEach((n, i) => {
    if (n === null) return;
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`cell ${i} has ${n} spots`);
    spots[i] = n;
  });
  return spots;
}

function missingCells(grid: GridScan, spotsPerCell: readonly (number | null)[]): XrayCentringResult['cells_missing'] {
  const missing: XrayCentringResult['cells_missing'] = [];
  spotsPerCell.forEach((n, i) => {
    if (n !== null) return;
    const col = i % grid.cols;
    const row = Math.floor(i / grid.cols);
    missing.push({ col, row, image: imageOfCell(grid, col, row) });
  });
  return missing;
}

function emptyResult(
  grid: GridScan,
  series: number,
  cellsMissing: XrayCentringResult['cells_missing'],
): XrayCentringResult {
  return {
    type: 'xray_centring',
    series,
    status: 'no-diffraction',
    cols: grid.cols,
    rows: grid.rows,
    best_cell: null,
    threshold_spots: 0,
    centre_of_mass: null,
    centre_mm: null,
    bounding_box: null,
    region_cells: 0,
    region_spots: 0,
    region_max_cell: null,
    region: [],
    cells_missing: cellsMissing,
  };
}

/** The cell with the most spots. Images are searched in the order they were taken, so a tie
 * goes to the earliest, as the facility's best image does. Null when no cell has a spot. */
function bestCell(grid: GridScan, spots: Float64Array): XrayCentringResult['best_cell'] {
  let best: XrayCentringResult['best_cell'] = null;
  for (let image = 0; image < spots.length; image++) {
    const { col, row } = cellOfImage(grid, image)!;
    const n = spots[row * grid.cols + col]!;
    if (n > (best?.spots ?? 0)) best = { col, row, image, spots: n };
  }
  return best;
}

/** Row-major indices of the largest 8-connected region of cells at or above the threshold.
 * Regions are found in row-major order, and a later one must be strictly larger to win. */
function largestRegion(grid: GridScan, spots: Float64Array, threshold: number): number[] {
  const seen = new Uint8Array(spots.length);
  let largest: number[] = [];
  for (let i = 0; i < spots.length; i++) {
    if (seen[i] || spots[i]! < threshold) continue;
    const region = floodFill(grid, spots, threshold, seen, i);
    if (region.length > largest.length) largest = region;
  }
  return largest.sort((a, b) => a - b);
}

/** Every kept cell joined to `start` through kept neighbours, each marked as seen. */
function floodFill(grid: GridScan, spots: Float64Array, threshold: number, seen: Uint8Array, start: number): number[] {
  const region: number[] = [];
  const stack = [start];
  seen[start] = 1;
  while (stack.length > 0) {
    const i = stack.pop()!;
    region.push(i);
    for (const j of neighbours(grid, i)) {
      if (seen[j] || spots[j]! < threshold) continue;
      seen[j] = 1;
      stack.push(j);
    }
  }
  return region;
}

/** The up-to-eight cells around cell i: diagonal neighbours touch at a corner. */
function* neighbours(grid: GridScan, i: number): Generator<number> {
  const col = i % grid.cols;
  const row = Math.floor(i / grid.cols);
  for (let r = Math.max(0, row - 1); r <= Math.min(grid.rows - 1, row + 1); r++) {
    for (let c = Math.max(0, col - 1); c <= Math.min(grid.cols - 1, col + 1); c++) {
      if (r !== row || c !== col) yield r * grid.cols + c;
    }
  }
}

type RegionFields = Pick<
  XrayCentringResult,
  'centre_of_mass' | 'centre_mm' | 'bounding_box' | 'region_cells' | 'region_spots' | 'region_max_cell' | 'region'
>;

function describeRegion(grid: GridScan, spots: Float64Array, indices: readonly number[]): RegionFields {
  const region = indices.map((i) => ({ col: i % grid.cols, row: Math.floor(i / grid.cols) }));
  const centre = {
    col: mean(region.map((c) => c.col)) + 0.5,
    row: mean(region.map((c) => c.row)) + 0.5,
  };
  let max = { ...region[0]!, spots: spots[indices[0]!]! };
  let total = 0;
  indices.forEach((i, k) => {
    total += spots[i]!;
    if (spots[i]! > max.spots) max = { ...region[k]!, spots: spots[i]! };
  });
  return {
    centre_of_mass: centre,
    centre_mm: centreMm(grid, centre),
    bounding_box: boundingBox(region),
    region_cells: region.length,
    region_spots: total,
    region_max_cell: max,
    region,
  };
}

/** The region is in row-major order, so its first and last cells bound its rows. */
function boundingBox(region: readonly GridCell[]): XrayCentringResult['bounding_box'] {
  let minCol = region[0]!.col;
  let maxCol = minCol;
  for (const { col } of region) {
    minCol = Math.min(minCol, col);
    maxCol = Math.max(maxCol, col);
  }
  return { min_col: minCol, min_row: region[0]!.row, max_col: maxCol, max_row: region[region.length - 1]!.row };
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The first cell's centre is at (0.5, 0.5) in cell coordinates, and 0 mm. */
function centreMm(grid: GridScan, centre: { col: number; row: number }): XrayCentringResult['centre_mm'] {
  if (grid.dxMm === null || grid.dyMm === null) return null;
  return { x: (centre.col - 0.5) * grid.dxMm, y: (centre.row - 0.5) * grid.dyMm };
}
