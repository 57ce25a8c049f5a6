// The grid scan as the sample sees it (row 0 at the top, column 0 at the left), each cell coloured
// by the spots on its image: where the crystals are, and where to collect. Cells not analysed
// yet are hatched, never coloured as zero, so "nothing there" and "not looked at" differ.
import type { GridView, SeriesView } from '../dashboardMessages.js';
import { cssColors, index, SPOTS } from './colorMap.js';
import { field, setHidden, setText } from './dom.js';
import { angstrom, count, imageNo } from './format.js';
import type { SeriesPanel } from './seriesPanel.js';
import { WidthWatch } from './widthWatch.js';

const LEFT = 34;
const TOP = 22;
const MAX_HEIGHT = 360;
const COLOURS = cssColors(SPOTS);
const NOT_YET = '#273142';
const NOT_YET_HATCH = '#4b5870';

interface Layout {
  cellW: number;
  cellH: number;
  width: number;
  height: number;
}

export class HeatMapPanel implements SeriesPanel {
  private readonly panel = field('heatmap-panel');
  private readonly canvas = field<HTMLCanvasElement>('heatmap-canvas');
  private readonly tooltip = field('heatmap-tooltip');
  private readonly title = field('heatmap-title');
  private readonly progress = field('heatmap-progress');
  private readonly best = field('heatmap-best');
  private readonly centring = field('heatmap-centring');
  private readonly scaleMax = field('heatmap-scale-max');
  private readonly legend = field<HTMLCanvasElement>('heatmap-legend');
  private grid: GridView | null = null;
  private layout: Layout = { cellW: 0, cellH: 0, width: 0, height: 0 };
  private maxSpots = 1;
  private hovered: { col: number; row: number } | null = null;
  private readonly box: WidthWatch;

  /** @param resized called when the panel's width changes: the map is then drawn anew. */
  constructor(resized: () => void) {
    this.box = new WidthWatch(this.canvas.parentElement!, resized);
    this.canvas.addEventListener('pointermove', (e) => this.hover(e));
    this.canvas.addEventListener('pointerleave', () => this.unhover());
    drawLegend(this.legend);
  }

  apply(series: SeriesView | null): void {
    this.grid = series?.grid ?? null;
    setHidden(this.panel, this.grid === null);
    document.body.classList.toggle('has-grid', this.grid !== null);
    if (!this.grid) return;
    this.maxSpots = Math.max(1, ...this.grid.spots.map((s) => s ?? 0));
    this.draw();
    this.describe(this.grid);
    if (this.hovered) this.showTooltip();
  }

  /** Client coordinates of a cell's centre (for pointing at it). */
  cellAt(col: number, row: number): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: rect.left + LEFT + (col + 0.5) * this.layout.cellW,
      y: rect.top + TOP + (row + 0.5) * this.layout.cellH,
    };
  }

  private draw(): void {
    const grid = this.grid!;
    this.layout = layoutFor(grid, this.box.width);
    const ctx = sizeCanvas(this.canvas, this.layout.width, this.layout.height);
    const { cellW, cellH } = this.layout;
    const gap = Math.min(cellW, cellH) >= 8 ? 1 : 0;
    for (let row = 0; row < grid.rows; row++) {
      for (let col = 0; col < grid.cols; col++) {
        const spots = grid.spots[row * grid.cols + col] ?? null;
        const x = LEFT + col * cellW;
        const y = TOP + row * cellH;
        if (spots === null) drawNotYet(ctx, x, y, cellW - gap, cellH - gap);
        else {
          ctx.fillStyle = COLOURS[index(spots / this.maxSpots)]!;
          ctx.fillRect(x, y, cellW - gap, cellH - gap);
        }
      }
    }
    drawIndices(ctx, grid, cellW, cellH);
    drawCentring(ctx, grid, cellW, cellH);
    if (this.hovered) {
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 2;
      ctx.strokeRect(LEFT + this.hovered.col * cellW + 1, TOP + this.hovered.row * cellH + 1, cellW - 3, cellH - 3);
    }
  }

  private describe(grid: GridView): void {
    const steps = grid.dxMm != null && grid.dyMm != null ? `, steps ${um(grid.dxMm)} × ${um(grid.dyMm)} µm` : '';
    const order = grid.snaked ? `snaked ${grid.orientation}` : grid.orientation;
    setText(this.title, `${grid.cols} × ${grid.rows} grid (${order}${steps})`);
    const done = grid.spots.filter((s) => s !== null).length;
    setText(this.progress, `${count(done)} of ${count(grid.spots.length)} cells analysed`);
    setText(this.scaleMax, count(this.maxSpots));
    setText(this.best, bestCell(grid));
    setText(this.centring, centringText(grid));
  }

  private hover(e: PointerEvent): void {
    const grid = this.grid;
    if (!grid) return;
    const col = Math.floor((e.offsetX - LEFT) / this.layout.cellW);
    const row = Math.floor((e.offsetY - TOP) / this.layout.cellH);
    if (col < 0 || row < 0 || col >= grid.cols || row >= grid.rows) return this.unhover();
    if (this.hovered?.col !== col || this.hovered.row !== row) {
      this.hovered = { col, row };
      this.draw();
    }
    this.showTooltip();
  }

  private unhover(): void {
    if (!this.hovered) return;
    this.hovered = null;
    setHidden(this.tooltip, true);
    if (this.grid) this.draw();
  }

  private showTooltip(): void {
    const grid = this.grid;
    const h = this.hovered;
    if (!grid || !h || h.col >= grid.cols || h.row >= grid.rows) return this.unhover();
    setText(this.tooltip, cellText(grid, h.col, h.row));
    setHidden(this.tooltip, false);
    // Beside the cell, inside the panel: the canvas is the tooltip's offset parent's child.
    const x = this.canvas.offsetLeft + LEFT + (h.col + 1) * this.layout.cellW + 8;
    const y = this.canvas.offsetTop + TOP + h.row * this.layout.cellH;
    const flip = x + this.tooltip.offsetWidth > this.panel.clientWidth;
    this.tooltip.style.left = `${flip ? x - this.layout.cellW - 16 - this.tooltip.offsetWidth : x}px`;
    this.tooltip.style.top = `${y}px`;
  }
}

function cellText(grid: GridView, col: number, row: number): string {
  const i = row * grid.cols + col;
  const spots = grid.spots[i] ?? null;
  return [
    `column ${col}, row ${row}`,
    `image ${imageNo(grid.images[i])}`,
    spots === null ? 'not yet analysed' : `${count(spots)} spots`,
    `d_min ${angstrom(grid.dMin[i] ?? null)}`,
  ].join('\n');
}

function centringText(grid: GridView): string {
  const c = grid.centring;
  if (!c) return '';
  if (c.status !== 'ok' || !c.centre) return 'X-ray centring: no diffraction on the grid';
  const cells = `${count(c.regionCells)} cell${c.regionCells === 1 ? '' : 's'}`;
  return `X-ray centring: column ${c.centre.col.toFixed(2)}, row ${c.centre.row.toFixed(2)} (region of ${cells})`;
}

/** The centring's region outlined and its centre marked with a cross. */
function drawCentring(ctx: CanvasRenderingContext2D, grid: GridView, cellW: number, cellH: number): void {
  const c = grid.centring;
  if (!c?.centre || !c.box) return;
  ctx.save();
  ctx.strokeStyle = '#ff4d6d';
  ctx.lineWidth = 2;
  ctx.setLineDash([5, 3]);
  const b = c.box;
  ctx.strokeRect(
    LEFT + b.minCol * cellW,
    TOP + b.minRow * cellH,
    (b.maxCol - b.minCol + 1) * cellW,
    (b.maxRow - b.minRow + 1) * cellH,
  );
  ctx.setLineDash([]);
  const x = LEFT + c.centre.col * cellW;
  const y = TOP + c.centre.row * cellH;
  const arm = Math.max(6, Math.min(cellW, cellH) * 0.6);
  ctx.beginPath();
  ctx.moveTo(x - arm, y);
  ctx.lineTo(x + arm, y);
  ctx.moveTo(x, y - arm);
  ctx.lineTo(x, y + arm);
  ctx.stroke();
  ctx.restore();
}

function bestCell(grid: GridView): string {
  let best = -1;
  grid.spots.forEach((s, i) => {
    if (s !== null && (best < 0 || s > grid.spots[best]!)) best = i;
  });
  if (best < 0) return 'no cell analysed yet';
  const col = best % grid.cols;
  const row = Math.floor(best / grid.cols);
  return `most spots: column ${col}, row ${row} (${count(grid.spots[best])}, image ${imageNo(grid.images[best])})`;
}

/** Cells keep the scan's step ratio when it is known, so the map has the sample's shape. */
function layoutFor(grid: GridView, available: number): Layout {
  const ratio = grid.dxMm && grid.dyMm ? Math.min(4, Math.max(0.25, grid.dxMm / grid.dyMm)) : 1;
  const byWidth = (available - LEFT - 4) / grid.cols / ratio;
  const byHeight = (MAX_HEIGHT - TOP) / grid.rows;
  const cellH = Math.max(3, Math.min(byWidth, byHeight, 60));
  const cellW = cellH * ratio;
  return { cellW, cellH, width: Math.ceil(LEFT + cellW * grid.cols), height: Math.ceil(TOP + cellH * grid.rows) };
}

/** Sized in CSS pixels, drawn at the screen's resolution; resized only when the size changes. */
function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.round(width * dpr);
  const h = Math.round(height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

function drawNotYet(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number): void {
  ctx.fillStyle = NOT_YET;
  ctx.fillRect(x, y, w, h);
  if (w < 6 || h < 6) return;
  ctx.strokeStyle = NOT_YET_HATCH;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(x + 2, y + h - 2);
  ctx.lineTo(x + w - 2, y + 2);
  ctx.stroke();
}

/** Column numbers above, row numbers to the left; every k-th when cells are too small for all. */
function drawIndices(ctx: CanvasRenderingContext2D, grid: GridView, cellW: number, cellH: number): void {
  ctx.fillStyle = '#94a3b8';
  ctx.font = '12px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  const colStep = Math.ceil(22 / cellW);
  for (let c = 0; c < grid.cols; c += colStep) ctx.fillText(String(c), LEFT + (c + 0.5) * cellW, TOP - 4);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const rowStep = Math.ceil(16 / cellH);
  for (let r = 0; r < grid.rows; r += rowStep) ctx.fillText(String(r), LEFT - 6, TOP + (r + 0.5) * cellH);
}

function drawLegend(canvas: HTMLCanvasElement): void {
  canvas.width = 256;
  canvas.height = 1;
  const ctx = canvas.getContext('2d')!;
  for (let i = 0; i < 256; i++) {
    ctx.fillStyle = COLOURS[i]!;
    ctx.fillRect(i, 0, 1, 1);
  }
}

function um(mm: number): string {
  return String(Math.round(mm * 1000));
}
