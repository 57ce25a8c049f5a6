// What a grid scan is: one image per cell of a COLS x ROWS grid over the sample (X-ray
// centring), the order the images run through the cells, and how a series' header user data
// describes one. The header form uses ISPyB GridInfo's vocabulary, as GDA writes it:
//   {"grid_scan": {"steps_x": COLS, "steps_y": ROWS, "dx_mm": .., "dy_mm": ..,
//                  "snaked": true, "orientation": "horizontal"}}
// This file is the only place in the program that knows any of it.

export type GridOrientation = 'horizontal' | 'vertical';

export interface GridScan {
  cols: number;
  rows: number;
  /** Every odd row (odd column, when vertical) runs backwards, as a stage that does not fly back. */
  snaked: boolean;
  /** horizontal: the images run along a row (x) first; vertical: down a column (y) first. */
  orientation: GridOrientation;
  /** Step between columns and between rows in mm, when the collection said. */
  dxMm: number | null;
  dyMm: number | null;
}

/** A grid as the configuration and the results file write it. */
export interface GridScanFields {
  cols: number;
  rows: number;
  snaked: boolean;
  orientation: GridOrientation;
  dx_mm: number | null;
  dy_mm: number | null;
}

/** The most images a grid may have. A centring scan is a few hundred cells; a description far
 * beyond it is a mistake or hostile, and the dashboard would hold a cell per image. */
export const MAX_GRID_IMAGES = 1_000_000;

/** Longest user-data text read (the receiver keeps up to 1 MiB; nothing longer is parsed). */
const MAX_USER_DATA_TEXT = 1 << 20;

export function gridImageCount(grid: GridScan): number {
  return grid.cols * grid.rows;
}

/** The image number (0-based) of a cell; throws for a cell outside the grid. */
export function imageOfCell(grid: GridScan, col: number, row: number): number {
  if (!isIndex(col, grid.cols) || !isIndex(row, grid.rows)) {
    throw new RangeError(`cell (${col}, ${row}) is outside the ${grid.cols}x${grid.rows} grid`);
  }
  const { length } = lines(grid);
  const [line, along] = grid.orientation === 'horizontal' ? [row, col] : [col, row];
  return line * length + stepAlong(grid, line, along);
}

/** The cell of an image number (0-based); null for an image outside the grid. */
export function cellOfImage(grid: GridScan, image: number): { col: number; row: number } | null {
  if (!isIndex(image, gridImageCount(grid))) return null;
  const { length } = lines(grid);
  const line = Math.floor(image / length);
  const along = stepAlong(grid, line, image % length);
  return grid.orientation === 'horizontal' ? { col: along, row: line } : { col: line, row: along };
}

/** The scan runs in lines (rows when horizontal, columns when vertical) of `length` cells. */
function lines(grid: GridScan): { length: number } {
  return { length: grid.orientation === 'horizontal' ? grid.cols : grid.rows };
}

/** Position along a line from the step within it (an involution, so it maps both ways). */
function stepAlong(grid: GridScan, line: number, step: number): number {
  return grid.snaked && line % 2 === 1 ? lines(grid).length - 1 - step : step;
}

function isIndex(n: number, size: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n < size;
}

/** "20x15" (COLSxROWS) as numbers; throws an Error saying what a grid shape is otherwise. */
export function parseGridShape(text: string): { cols: number; rows: number } {
  const m = /^\s*(\d{1,7})\s*[xX]\s*(\d{1,7})\s*$/.exec(text);
  const cols = Number(m?.[1]);
  const rows = Number(m?.[2]);
  if (!m || cols < 1 || rows < 1) {
    throw new Error(`a grid is COLSxROWS with both at least 1, e.g. 20x15, got "${text.slice(0, 40)}"`);
  }
  if (cols * rows > MAX_GRID_IMAGES) {
    throw new Error(`a grid of ${cols}x${rows} has more than ${MAX_GRID_IMAGES} cells`);
  }
  return { cols, rows };
}

/** The configured grid (detector.grid_scan) as a GridScan. */
export function configuredGridScan(fields: GridScanFields | null): GridScan | null {
  if (!fields) return null;
  const { cols, rows, snaked, orientation } = fields;
  return { cols, rows, snaked, orientation, dxMm: fields.dx_mm, dyMm: fields.dy_mm };
}

/** A grid as the results file's series record writes it. */
export function gridScanRecord(grid: GridScan | null): GridScanFields | null {
  if (!grid) return null;
  const { cols, rows, snaked, orientation } = grid;
  return { cols, rows, snaked, orientation, dx_mm: grid.dxMm, dy_mm: grid.dyMm };
}

/** The header user data describing a grid: what gridScanOf reads back to the same grid. */
export function gridScanUserData(grid: GridScan): { grid_scan: Record<string, unknown> } {
  return {
    grid_scan: {
      steps_x: grid.cols,
      steps_y: grid.rows,
      dx_mm: grid.dxMm,
      dy_mm: grid.dyMm,
      snaked: grid.snaked,
      orientation: grid.orientation,
    },
  };
}

/**
 * The grid the series' header describes, else the configured one, else null; `problem` names
 * what was wrong with a header description that could not be used (it then falls back to the
 * configured grid). User data is anyone's: this never throws, whatever it holds.
 */
export function gridScanOf(
  userData: unknown,
  configured: GridScan | null,
): { grid: GridScan | null; problem: string | null } {
  let read: Reading;
  try {
    read = readDescription(described(userData));
  } catch {
    read = { grid: null, problem: 'user data could not be read' };
  }
  return read.grid ? { grid: read.grid, problem: null } : { grid: configured, problem: read.problem };
}

type Reading = { grid: GridScan; problem: null } | { grid: null; problem: string | null };

/** What the user data says of a grid: its `grid_scan` value, why it cannot be read, or null
 * when it says nothing of one. */
type Described = { value: unknown } | { problem: string } | null;

function described(userData: unknown): Described {
  if (typeof userData === 'string') return describedInText(userData);
  if (isFields(userData)) return presentValue(field(userData, 'grid_scan'));
  return null;
}

/** V1 sends the user data as text: a JSON object, or anything else the facility put there. */
function describedInText(text: string): Described {
  const mentioned = text.includes('grid_scan');
  if (text.length > MAX_USER_DATA_TEXT) return mentioned ? { problem: 'user data too long to read' } : null;
  let parsed: unknown;
  try {
    // Some writers pad the appendix (a newline, C string NULs); JSON itself allows only spaces.
    parsed = JSON.parse(text.replace(/^[\s\0]+|[\s\0]+$/g, ''));
  } catch {
    parsed = undefined;
  }
  if (isFields(parsed)) return presentValue(field(parsed, 'grid_scan'));
  return mentioned ? { problem: 'user data mentions grid_scan but is not a JSON object' } : null;
}

function presentValue(v: unknown): Described {
  return v === undefined || v === null ? null : { value: v };
}

function readDescription(d: Described): Reading {
  if (d === null) return { grid: null, problem: null };
  if ('problem' in d) return { grid: null, problem: d.problem };
  if (!isFields(d.value)) return { grid: null, problem: `grid_scan must be an object, got ${shown(d.value)}` };
  try {
    return { grid: gridFromDescription(d.value), problem: null };
  } catch (err) {
    if (err instanceof GridProblem) return { grid: null, problem: err.message };
    throw err;
  }
}

/** A field of the description that cannot be used. */
class GridProblem extends Error {}

/** Throws a GridProblem naming the first field that cannot be used. */
function gridFromDescription(d: Fields): GridScan {
  const cols = steps(d, 'steps_x');
  const rows = steps(d, 'steps_y');
  if (cols * rows > MAX_GRID_IMAGES) {
    throw new GridProblem(`grid_scan.steps_x * steps_y is ${cols * rows} images, more than ${MAX_GRID_IMAGES}`);
  }
  return {
    cols,
    rows,
    snaked: snaked(d),
    orientation: orientation(d),
    dxMm: stepSize(d, 'dx_mm'),
    dyMm: stepSize(d, 'dy_mm'),
  };
}

function steps(d: Fields, key: string): number {
  const v = field(d, key);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= MAX_GRID_IMAGES) return v;
  throw new GridProblem(`grid_scan.${key} must be an integer from 1 to ${MAX_GRID_IMAGES}, got ${shown(v)}`);
}

function snaked(d: Fields): boolean {
  const v = field(d, 'snaked');
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  throw new GridProblem(`grid_scan.snaked must be true or false, got ${shown(v)}`);
}

function orientation(d: Fields): GridOrientation {
  const v = field(d, 'orientation');
  if (v === undefined || v === null) return 'horizontal';
  const word = typeof v === 'string' ? v.toLowerCase() : v;
  if (word === 'horizontal' || word === 'vertical') return word;
  throw new GridProblem(`grid_scan.orientation must be "horizontal" or "vertical", got ${shown(v)}`);
}

function stepSize(d: Fields, key: string): number | null {
  const v = field(d, key);
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  throw new GridProblem(`grid_scan.${key} must be a positive number of mm, got ${shown(v)}`);
}

/** A JSON object, or a CBOR map decoded as an object or as a Map. */
type Fields = Record<string, unknown> | Map<unknown, unknown>;

function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Only the object's own keys: a field named `constructor` is no field. */
function field(o: Fields, key: string): unknown {
  if (o instanceof Map) return o.get(key);
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** A value for a message: short, whatever it is. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  const text = typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v);
  return text;
}
