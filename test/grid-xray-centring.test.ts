// X-ray centring (src/stages/grid/xrayCentring.ts) on hand-made grids whose answers can be
// worked out by eye, and on the simulator's grids, whose crystal position is known.
import { describe, expect, it } from 'vitest';
import { simulatedGrid } from '../src/simulator/SimulatedGrid.js';
import { GridSpotCounts } from '../src/stages/grid/GridSpotCounts.js';
import { imageOfCell, type GridScan } from '../src/stages/grid/gridScan.js';
import { xrayCentring } from '../src/stages/grid/xrayCentring.js';

const grid = (cols: number, rows: number, over: Partial<GridScan> = {}): GridScan => ({
  cols,
  rows,
  snaked: false,
  orientation: 'horizontal',
  dxMm: null,
  dyMm: null,
  ...over,
});

/** A grid drawn as it looks, row by row. `.` is a cell with no result. */
function drawn(picture: string): { grid: GridScan; cells: (number | null)[] } {
  const rows = picture
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  const cells = rows.flat().map((t) => (t === '.' ? null : Number(t)));
  return { grid: grid(rows[0]!.length, rows.length), cells };
}

function centred(picture: string, over: Partial<GridScan> = {}) {
  const d = drawn(picture);
  return xrayCentring({ ...d.grid, ...over }, d.cells, 7);
}

describe('a single peak', () => {
  const r = centred(`
    0  0  0  0  0
    0 10 60 10  0
    0 60 100 60 0
    0 10 60 10  0
    0  0  0  0  0`);

  it('centres on the peak cell, with the cells of at least half the maximum as its region', () => {
    expect(r).toMatchObject({
      type: 'xray_centring',
      series: 7,
      status: 'ok',
      cols: 5,
      rows: 5,
      best_cell: { col: 2, row: 2, image: 12, spots: 100 },
      threshold_spots: 50,
      centre_of_mass: { col: 2.5, row: 2.5 },
      bounding_box: { min_col: 1, min_row: 1, max_col: 3, max_row: 3 },
      region_cells: 5,
      region_spots: 340,
      region_max_cell: { col: 2, row: 2, spots: 100 },
      cells_missing: [],
    });
    expect(r.region).toEqual([
      { col: 2, row: 1 },
      { col: 1, row: 2 },
      { col: 2, row: 2 },
      { col: 3, row: 2 },
      { col: 2, row: 3 },
    ]);
  });

  it('keeps a cell at exactly half the maximum', () => {
    expect(centred('0 50 100 49').region).toEqual([
      { col: 1, row: 0 },
      { col: 2, row: 0 },
    ]);
  });

  it('counts each cell of the region once, whatever its spots: the centre is not weighted', () => {
    // Weighted by spots the centre would be at column 1 + 0.5 + 50/150 = 1.83.
    expect(centred('0 100 50 0').centre_of_mass).toEqual({ col: 2, row: 0.5 });
  });
});

describe('which region is the crystal', () => {
  it('is the region with the most cells, not the one with the strongest cell', () => {
    const r = centred(`
      100 0  0  0  0
        0 0  0  0  0
        0 0 60 60 60`);
    expect(r.best_cell).toEqual({ col: 0, row: 0, image: 0, spots: 100 });
    expect(r.region_cells).toBe(3);
    expect(r.centre_of_mass).toEqual({ col: 3.5, row: 2.5 });
    expect(r.region_max_cell).toEqual({ col: 2, row: 2, spots: 60 });
  });

  it('is the region with the most cells even when another has more spots in all', () => {
    // Left: 2 cells, 200 spots. Right: 3 cells, 153 spots. The facility takes the right one.
    const r = centred('100 100 0 51 51 51');
    expect(r.region_cells).toBe(3);
    expect(r.region_spots).toBe(153);
    expect(r.centre_of_mass).toEqual({ col: 4.5, row: 0.5 });
  });

  it('joins cells that touch only at a corner', () => {
    const r = centred(`
      80  0  0
       0 80  0
       0  0 80`);
    expect(r.region_cells).toBe(3);
    expect(r.centre_of_mass).toEqual({ col: 1.5, row: 1.5 });
    expect(r.bounding_box).toEqual({ min_col: 0, min_row: 0, max_col: 2, max_row: 2 });
  });

  it('between regions of equal size, is the one reached first scanning rows top down', () => {
    const r = centred(`
       0  0  0 70 70
       0  0  0  0  0
      90 90  0  0  0`);
    expect(r.best_cell).toMatchObject({ col: 0, row: 2 });
    expect(r.region).toEqual([
      { col: 3, row: 0 },
      { col: 4, row: 0 },
    ]);
  });
});

describe('scan order', () => {
  it('reads a snaked grid by image number and reports the cells it found', () => {
    const g = grid(4, 3, { snaked: true });
    const counts = new GridSpotCounts(g);
    // The crystal is at cell (0, 1): in a snaked grid, the last image of the second row.
    const spotsOfImage = [0, 0, 0, 0, 30, 30, 60, 100, 0, 0, 0, 0];
    spotsOfImage.forEach((n, image) => counts.add(image, n));
    expect(counts.cells).toEqual([0, 0, 0, 0, 100, 60, 30, 30, 0, 0, 0, 0]);
    const r = xrayCentring(g, counts.cells, 1);
    expect(r.best_cell).toEqual({ col: 0, row: 1, image: 7, spots: 100 });
    expect(r.region).toEqual([
      { col: 0, row: 1 },
      { col: 1, row: 1 },
    ]);
    expect(r.centre_of_mass).toEqual({ col: 1, row: 1.5 });
  });

  it('reads a vertical snaked grid down its columns', () => {
    const g = grid(3, 2, { snaked: true, orientation: 'vertical' });
    const counts = new GridSpotCounts(g);
    counts.add(imageOfCell(g, 1, 1), 40);
    counts.add(2, 40);
    expect(imageOfCell(g, 1, 1)).toBe(2);
    const r = xrayCentring(g, counts.cells, 1);
    expect(r.best_cell).toEqual({ col: 1, row: 1, image: 2, spots: 40 });
    expect(r.cells_missing.map((c) => c.image)).toEqual([0, 3, 4, 1, 5]);
  });

  it('gives a tie for the best cell to the earliest image, as the facility does', () => {
    // Images 0..3 along row 0, 4..7 back along row 1: image 4 is cell (3, 1), taken before (0, 1).
    const g = grid(4, 2, { snaked: true });
    const r = xrayCentring(g, [0, 0, 0, 0, 9, 0, 0, 9], 1);
    expect(r.best_cell).toEqual({ col: 3, row: 1, image: 4, spots: 9 });
  });
});

describe('nothing to centre on', () => {
  it('reports no diffraction on a grid without a spot', () => {
    const r = centred('0 0 0\n0 0 0');
    expect(r).toEqual({
      type: 'xray_centring',
      series: 7,
      status: 'no-diffraction',
      cols: 3,
      rows: 2,
      best_cell: null,
      threshold_spots: 0,
      centre_of_mass: null,
      centre_mm: null,
      bounding_box: null,
      region_cells: 0,
      region_spots: 0,
      region_max_cell: null,
      region: [],
      cells_missing: [],
    });
  });

  it('reports no diffraction, and every cell missing, before any result', () => {
    const g = grid(2, 2, { snaked: true });
    const r = xrayCentring(g, new GridSpotCounts(g).cells, 3);
    expect(r.status).toBe('no-diffraction');
    expect(r.cells_missing).toEqual([
      { col: 0, row: 0, image: 0 },
      { col: 1, row: 0, image: 1 },
      { col: 0, row: 1, image: 3 },
      { col: 1, row: 1, image: 2 },
    ]);
  });
});

describe('missing cells', () => {
  it('counts them as no spots and lists them, so a gap can split a region', () => {
    const r = centred('60 60 . 90 70 0');
    expect(r.cells_missing).toEqual([{ col: 2, row: 0, image: 2 }]);
    expect(r.region).toEqual([
      { col: 0, row: 0 },
      { col: 1, row: 0 },
    ]);
  });
});

describe('centre in mm', () => {
  const picture = '0 0 0\n0 80 80\n0 0 0';

  it('is measured from the first cell centre, along columns (x) and rows (y)', () => {
    const r = centred(picture, { dxMm: 0.02, dyMm: 0.01 });
    expect(r.centre_of_mass).toEqual({ col: 2, row: 1.5 });
    expect(r.centre_mm!.x).toBeCloseTo(0.03, 12);
    expect(r.centre_mm!.y).toBeCloseTo(0.01, 12);
  });

  it('is null unless both step sizes are known', () => {
    expect(centred(picture).centre_mm).toBeNull();
    expect(centred(picture, { dxMm: 0.02 }).centre_mm).toBeNull();
  });
});

describe('counts that do not fit', () => {
  it('throws for the wrong number of cells or a count that is not one', () => {
    expect(() => xrayCentring(grid(2, 2), [0, 0, 0], 1)).toThrow(RangeError);
    expect(() => xrayCentring(grid(1, 2), [0, -1], 1)).toThrow(RangeError);
    expect(() => xrayCentring(grid(1, 2), [0, NaN], 1)).toThrow(RangeError);
  });
});

describe('GridSpotCounts', () => {
  it('ignores images outside the grid and keeps the latest result for an image', () => {
    const counts = new GridSpotCounts(grid(2, 1));
    counts.add(1, 5);
    counts.add(1, 8);
    counts.add(2, 99);
    counts.add(-1, 99);
    expect(counts.cells).toEqual([null, 8]);
  });
});

describe("the simulator's crystal", () => {
  const shapes = [
    { cols: 20, rows: 15 },
    { cols: 12, rows: 8 },
  ];
  const seeds = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89];

  it.each(shapes)('is within half a cell of the centre of mass on a $cols x $rows grid', (shape) => {
    for (const seed of seeds) {
      const sim = simulatedGrid(shape, seed);
      const counts = new GridSpotCounts(sim.scan);
      sim.spotCounts.forEach((n, image) => counts.add(image, n));
      const r = xrayCentring(sim.scan, counts.cells, seed);
      expect(r.status).toBe('ok');
      expect(Math.abs(r.centre_of_mass!.col - sim.crystal.col), `seed ${seed}`).toBeLessThan(0.5);
      expect(Math.abs(r.centre_of_mass!.row - sim.crystal.row), `seed ${seed}`).toBeLessThan(0.5);
      expect(r.cells_missing).toEqual([]);
    }
  });
});
