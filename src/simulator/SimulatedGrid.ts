// The simulated grid scan: a sample with one crystal at a seeded position, scanned as a grid
// (snaked, rows first, 20 um steps, as a centring scan at an MX beamline). Each cell's image has
// as many spots as the beam finds crystal there: a Gaussian fall-off with the distance from the
// crystal, and nothing beyond REACH_CELLS, where the beam passes only through the loop.
import { cellOfImage, gridImageCount, gridScanUserData, type GridScan } from '../stages/grid/gridScan.js';
import { deriveSeed, Prng } from './Prng.js';

/** Spots on the cell the crystal is centred in (before splitting). */
const PEAK_SPOTS = 200;
/** Width (sigma) of the fall-off, in cells. */
const WIDTH_CELLS = 1.8;
/** Cells farther than this from the crystal see none of it. At this distance the fall-off is
 * down to ~17 spots, below the default hit threshold (analysis.hit.min_spots, 20). */
const REACH_CELLS = 4;
const STEP_MM = 0.02;

export interface SimulatedGrid {
  scan: GridScan;
  /** The crystal's centre in fractional cell coordinates: cell (c, r) spans [c, c+1) x [r, r+1). */
  crystal: { col: number; row: number };
  /** Spots on each image, by image number (before splitting). */
  spotCounts: number[];
}

export function simulatedGrid(shape: { cols: number; rows: number }, seed: number): SimulatedGrid {
  const scan: GridScan = { ...shape, snaked: true, orientation: 'horizontal', dxMm: STEP_MM, dyMm: STEP_MM };
  // A stream of its own, so the crystal does not move when frame synthesis changes.
  const rng = new Prng(deriveSeed(seed, 0, 11));
  const crystal = { col: awayFromBorder(rng.next(), shape.cols), row: awayFromBorder(rng.next(), shape.rows) };
  const spotCounts = Array.from({ length: gridImageCount(scan) }, (_, image) => {
    const cell = cellOfImage(scan, image)!;
    return spotsAt(crystal, cell.col, cell.row);
  });
  return { scan, crystal, spotCounts };
}

/** Kept REACH_CELLS from the border, so a grid large enough shows the crystal's whole spot in
 * the heat map; in a smaller one, a quarter of the grid. */
function awayFromBorder(u: number, cells: number): number {
  const border = Math.min(REACH_CELLS, cells / 4);
  return border + u * (cells - 2 * border);
}

/** Spots on the image of cell (col, row), the beam at the cell's centre. */
function spotsAt(crystal: SimulatedGrid['crystal'], col: number, row: number): number {
  const d = Math.hypot(col + 0.5 - crystal.col, row + 0.5 - crystal.row);
  if (d > REACH_CELLS) return 0;
  return Math.round(PEAK_SPOTS * Math.exp(-(d * d) / (2 * WIDTH_CELLS * WIDTH_CELLS)));
}

/** The truth file's line for the grid: the crystal in fractional cell coordinates. */
export function gridTruth(grid: SimulatedGrid): Record<string, number> {
  return {
    cols: grid.scan.cols,
    rows: grid.scan.rows,
    crystal_col: grid.crystal.col,
    crystal_row: grid.crystal.row,
    peak_spots: PEAK_SPOTS,
    width_cells: WIDTH_CELLS,
    reach_cells: REACH_CELLS,
  };
}

/**
 * The grid series' header user data: the grid's description, merged into the user's own
 * appendix when that is a JSON object (the user's keys win, grid_scan included). Any other
 * appendix text is sent as it is, without the description: it cannot hold one.
 */
export function gridHeaderAppendix(grid: SimulatedGrid, userAppendix?: string): string | Record<string, unknown> {
  const description = gridScanUserData(grid.scan);
  if (userAppendix === undefined) return description;
  const own = jsonObject(userAppendix);
  return own ? { ...description, ...own } : userAppendix;
}

function jsonObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
