// Grid scans (src/stages/grid/gridScan.ts): the order images run through the cells, and what a
// series' header user data (V1 text, V2 map) says of a grid, hostile user data included.
import { describe, expect, it } from 'vitest';
import {
  cellOfImage,
  configuredGridScan,
  gridImageCount,
  gridScanOf,
  gridScanRecord,
  gridScanUserData,
  imageOfCell,
  parseGridShape,
  type GridScan,
} from '../src/stages/grid/gridScan.js';
import { parseConfig } from '../src/config/loadConfig.js';
import { seriesRecord } from '../src/stages/collector/seriesRecord.js';
import { testSeriesStart } from './helpers/seriesStarts.js';

const grid = (over: Partial<GridScan> = {}): GridScan => ({
  cols: 4,
  rows: 3,
  snaked: false,
  orientation: 'horizontal',
  dxMm: null,
  dyMm: null,
  ...over,
});

/** The image number of every cell, row by row (as a heat map draws them). */
function imagesByRow(g: GridScan): number[][] {
  return Array.from({ length: g.rows }, (_, row) =>
    Array.from({ length: g.cols }, (_, col) => imageOfCell(g, col, row)),
  );
}

describe('scan order', () => {
  it('runs along each row first when horizontal', () => {
    expect(imagesByRow(grid())).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
  });

  it('reverses every odd row when horizontal and snaked', () => {
    expect(imagesByRow(grid({ snaked: true }))).toEqual([
      [0, 1, 2, 3],
      [7, 6, 5, 4],
      [8, 9, 10, 11],
    ]);
  });

  it('runs down each column first when vertical', () => {
    expect(imagesByRow(grid({ orientation: 'vertical' }))).toEqual([
      [0, 3, 6, 9],
      [1, 4, 7, 10],
      [2, 5, 8, 11],
    ]);
  });

  it('reverses every odd column when vertical and snaked', () => {
    expect(imagesByRow(grid({ orientation: 'vertical', snaked: true }))).toEqual([
      [0, 5, 6, 11],
      [1, 4, 7, 10],
      [2, 3, 8, 9],
    ]);
  });

  for (const orientation of ['horizontal', 'vertical'] as const) {
    for (const snaked of [false, true]) {
      it(`maps every image to its own cell and back (${orientation}${snaked ? ', snaked' : ''}, 7x5)`, () => {
        const g = grid({ cols: 7, rows: 5, orientation, snaked });
        const seen = new Set<string>();
        for (let image = 0; image < gridImageCount(g); image++) {
          const cell = cellOfImage(g, image);
          expect(cell).not.toBeNull();
          expect(imageOfCell(g, cell!.col, cell!.row)).toBe(image);
          seen.add(`${cell!.col},${cell!.row}`);
        }
        expect(seen.size).toBe(35);
      });
    }
  }

  it('has no cell for an image outside the grid, and refuses a cell outside it', () => {
    const g = grid();
    expect(gridImageCount(g)).toBe(12);
    for (const image of [-1, 12, 1.5, NaN]) expect(cellOfImage(g, image)).toBeNull();
    expect(cellOfImage(g, 11)).toEqual({ col: 3, row: 2 });
    expect(() => imageOfCell(g, 4, 0)).toThrow(/outside the 4x3 grid/);
    expect(() => imageOfCell(g, 0, -1)).toThrow(RangeError);
  });
});

describe('grid shapes', () => {
  it('reads COLSxROWS', () => {
    expect(parseGridShape('20x15')).toEqual({ cols: 20, rows: 15 });
    expect(parseGridShape(' 3 X 1 ')).toEqual({ cols: 3, rows: 1 });
  });

  it('refuses anything else, saying what a grid shape is', () => {
    for (const text of ['20', '20x', 'x15', '0x5', '20x15x2', '-2x3', '2.5x3', 'twentyxfifteen']) {
      expect(() => parseGridShape(text)).toThrow(/a grid is COLSxROWS .*e\.g\. 20x15, got/);
    }
    expect(() => parseGridShape('2000x2000')).toThrow(/more than 1000000 cells/);
  });
});

const header = (description: Record<string, unknown>) => ({ grid_scan: description });
const gda = { steps_x: 20, steps_y: 15, dx_mm: 0.02, dy_mm: 0.025, snaked: true, orientation: 'horizontal' };
const twentyByFifteen: GridScan = {
  cols: 20,
  rows: 15,
  snaked: true,
  orientation: 'horizontal',
  dxMm: 0.02,
  dyMm: 0.025,
};
const configured = grid({ cols: 2, rows: 2 });

describe('the grid a series header describes', () => {
  it('reads a V1 header appendix (JSON text, padded or not) and a V2 user_data map', () => {
    const text = JSON.stringify({ acqID: 'x17', ...header(gda) });
    for (const userData of [text, `  ${text}\n`, `${text}\0`, JSON.parse(text), new Map([['grid_scan', gda]])]) {
      expect(gridScanOf(userData, configured)).toEqual({ grid: twentyByFifteen, problem: null });
    }
  });

  it('reads back what gridScanUserData writes, as text and as a map', () => {
    for (const g of [twentyByFifteen, grid({ orientation: 'vertical', snaked: true })]) {
      expect(gridScanOf(JSON.stringify(gridScanUserData(g)), null).grid).toEqual(g);
      expect(gridScanOf(gridScanUserData(g), null).grid).toEqual(g);
    }
  });

  it('fills in the defaults: not snaked, horizontal, no step sizes', () => {
    expect(gridScanOf(header({ steps_x: 3, steps_y: 2 }), null)).toEqual({
      grid: { cols: 3, rows: 2, snaked: false, orientation: 'horizontal', dxMm: null, dyMm: null },
      problem: null,
    });
    expect(gridScanOf(header({ steps_x: 3, steps_y: 2, orientation: 'Vertical' }), null).grid?.orientation).toBe(
      'vertical',
    );
  });

  it('falls back to the configured grid, without a problem, when the header says nothing of one', () => {
    for (const userData of [
      null,
      undefined,
      '',
      'hello',
      '{"acqID": "sim"}',
      '[1, 2]',
      42,
      true,
      [header(gda)],
      new Uint8Array([1, 2]),
      { acqID: 'x' },
      { grid_scan: null },
      Object.create({ grid_scan: gda }) as object,
    ]) {
      expect(gridScanOf(userData, configured)).toEqual({ grid: configured, problem: null });
      expect(gridScanOf(userData, null)).toEqual({ grid: null, problem: null });
    }
  });

  it('names the field of a description that cannot be used, and falls back to the configured grid', () => {
    const cases: Array<[unknown, RegExp]> = [
      [header({ ...gda, steps_x: 2.5 }), /grid_scan\.steps_x must be an integer from 1 to 1000000, got 2\.5/],
      [header({ ...gda, steps_x: '20' }), /grid_scan\.steps_x .* got "20"/],
      [header({ ...gda, steps_y: 0 }), /grid_scan\.steps_y .* got 0/],
      [header({ steps_x: 20 }), /grid_scan\.steps_y .* got nothing/],
      [header({ ...gda, steps_x: 1e9 }), /grid_scan\.steps_x/],
      [header({ ...gda, steps_x: 2000, steps_y: 2000 }), /steps_x \* steps_y is 4000000 images, more than 1000000/],
      [header({ ...gda, orientation: 'diagonal' }), /grid_scan\.orientation must be "horizontal" or "vertical"/],
      [header({ ...gda, snaked: 'yes' }), /grid_scan\.snaked must be true or false, got "yes"/],
      [header({ ...gda, dx_mm: -0.02 }), /grid_scan\.dx_mm must be a positive number of mm/],
      [header({ ...gda, dy_mm: { nested: 1 } }), /grid_scan\.dy_mm .* got an object/],
      [{ grid_scan: [20, 15] }, /grid_scan must be an object, got an array/],
      ['{"grid_scan": {"steps_x": 20,', /mentions grid_scan but is not a JSON object/],
      [`{"grid_scan": ${JSON.stringify(gda)}, "pad": "${'x'.repeat(1 << 20)}"}`, /too long/],
    ];
    for (const [userData, problem] of cases) {
      const read = gridScanOf(userData, configured);
      expect(read.grid).toEqual(configured);
      expect(read.problem).toMatch(problem);
    }
  });

  it('never throws, whatever the user data holds', () => {
    const throwing = {
      get grid_scan(): unknown {
        throw new Error('hostile getter');
      },
    };
    expect(gridScanOf(throwing, configured)).toEqual({ grid: configured, problem: 'user data could not be read' });
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(gridScanOf(deep, null)).toEqual({ grid: null, problem: null });
  });
});

describe('the grid in the configuration and the results file', () => {
  it('converts between the snake_case fields and a GridScan', () => {
    const fields = { cols: 20, rows: 15, snaked: true, orientation: 'horizontal', dx_mm: 0.02, dy_mm: 0.025 } as const;
    expect(configuredGridScan(fields)).toEqual(twentyByFifteen);
    expect(gridScanRecord(twentyByFifteen)).toEqual(fields);
    expect(configuredGridScan(null)).toBeNull();
    expect(gridScanRecord(null)).toBeNull();
  });
});

describe("the series record's grid_scan", () => {
  const analysis = parseConfig('').analysis;
  const recordOf = (userData: unknown, configuredGrid: GridScan | null) =>
    seriesRecord(testSeriesStart(3, { userData }), analysis, configuredGrid);

  it("is the header's grid, else the configured one, else null", () => {
    const fromHeader = recordOf(JSON.stringify(header(gda)), configured);
    expect(fromHeader.record.grid_scan).toEqual({
      cols: 20,
      rows: 15,
      snaked: true,
      orientation: 'horizontal',
      dx_mm: 0.02,
      dy_mm: 0.025,
    });
    expect(fromHeader.gridProblem).toBeNull();
    expect(recordOf('hello', configured).record.grid_scan).toEqual(gridScanRecord(configured));
    expect(recordOf(null, null)).toMatchObject({ record: { grid_scan: null }, gridProblem: null });
  });

  it('says what was wrong with a header description it could not use', () => {
    const { record, gridProblem } = recordOf(header({ steps_x: 4, steps_y: 'many' }), configured);
    expect(record.grid_scan).toEqual(gridScanRecord(configured));
    expect(gridProblem).toMatch(/grid_scan\.steps_y/);
  });
});
