// The latest hit as the detector saw it: spots circled where the spot finder put them,
// resolution rings labelled in Angstrom, so a scientist sees at once whether the spots are real,
// how far out they go, and whether rings (ice, powder) sit under them. Decoding and colouring
// happen once per image; later updates only redraw when the image, the rings or the size change.
import type { PreviewMessage, SeriesView } from '../dashboardMessages.js';
import { field, setHidden, setText } from './dom.js';
import { angstrom, count, ringLabel, imageNo } from './format.js';
import { clipLevel, colourPixels, decodePixels } from './previewImage.js';
import { WidthWatch } from './widthWatch.js';

type Geometry = NonNullable<SeriesView['geometry']>;

const SPOT_COLOUR = '#22d3ee';
const RING_COLOUR = 'rgba(134, 239, 172, 0.9)';

export class PreviewPanel {
  private readonly canvas = field<HTMLCanvasElement>('preview-canvas');
  private readonly caption = field('preview-caption');
  private readonly empty = field('preview-empty');
  private readonly scale = field('preview-scale');
  private readonly image = document.createElement('canvas');
  private readonly histogram = new Uint32Array(65536);
  private decoded: PreviewMessage | null = null;
  private drawnKey = '';
  private readonly box: WidthWatch;

  /** @param resized called when the panel's width changes: the image is then drawn anew. */
  constructor(resized: () => void) {
    this.box = new WidthWatch(this.canvas.parentElement!, resized);
  }

  /** Draws `preview` if it belongs to `series`; otherwise says there is none for it. */
  apply(series: SeriesView | null, preview: PreviewMessage | null): void {
    const shown = preview && series && preview.run === series.run && preview.series === series.series ? preview : null;
    setHidden(this.canvas, shown === null);
    setHidden(this.empty, shown !== null);
    if (!shown) {
      setText(this.caption, '');
      setText(this.scale, '');
      setText(this.empty, series ? 'no hit image for this series yet' : 'waiting for a series');
      this.drawnKey = '';
      return;
    }
    if (shown !== this.decoded) this.decode(shown);
    const width = this.box.width;
    const key = `${shown.run}/${shown.image}/${width}/${ringsKey(series!.geometry)}`;
    if (key !== this.drawnKey) {
      this.drawnKey = key;
      this.draw(shown, series!.geometry, width);
    }
    setText(this.caption, captionText(shown));
  }

  private decode(preview: PreviewMessage): void {
    const pixels = decodePixels(preview.pixels, preview.width * preview.height);
    const clip = clipLevel(pixels, this.histogram);
    this.image.width = preview.width;
    this.image.height = preview.height;
    const ctx = this.image.getContext('2d')!;
    const data = ctx.createImageData(preview.width, preview.height);
    colourPixels(pixels, clip, data);
    ctx.putImageData(data, 0, 0);
    this.decoded = preview;
    setText(this.scale, `log scale, white at ≥ ${count(clip)} counts (99.9th percentile); grey: gaps and masked`);
  }

  private draw(preview: PreviewMessage, geometry: Geometry | null, available: number): void {
    const cssW = Math.max(100, Math.min(available, 900));
    const s = cssW / preview.width;
    const cssH = Math.round(preview.height * s);
    const ctx = sizeCanvas(this.canvas, cssW, cssH);
    // Nearest neighbour: each preview pixel is a bin's maximum; smoothing would smear spots away.
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.image, 0, 0, cssW, cssH);
    if (geometry) drawRings(ctx, geometry, preview.bin, s, cssW, cssH);
    drawSpots(ctx, preview, s);
  }
}

function captionText(p: PreviewMessage): string {
  const spots = `${count(p.nSpots)} spot${p.nSpots === 1 ? '' : 's'}`;
  return `image ${imageNo(p.image)} · ${p.path} path · ${spots} · d_min ${angstrom(p.dMin)}`;
}

function ringsKey(geometry: Geometry | null): string {
  if (!geometry) return '-';
  const rings = geometry.resolutionRings.map((r) => `${r.dA}:${r.radiusPx}`).join(',');
  return `${geometry.beamCenterX},${geometry.beamCenterY},${rings}`;
}

function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  // The height follows from the width and the backing store's aspect (CSS height: auto).
  canvas.style.width = `${width}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Detector pixels → preview pixels → canvas: divide by the bin, multiply by the display scale.
 * Spots are in the DIALS convention (pixel i spans [i, i+1)), as the canvas is: no half-pixel shift. */
function drawSpots(ctx: CanvasRenderingContext2D, p: PreviewMessage, s: number): void {
  const k = s / p.bin;
  // Larger than the spot: the circle must be seen from across the hutch, the spot inside it.
  const r = Math.max(11, 4 * s);
  ctx.setLineDash([]);
  ctx.beginPath();
  for (const [x, y] of p.spots) {
    ctx.moveTo(x * k + r, y * k);
    ctx.arc(x * k, y * k, r, 0, 2 * Math.PI);
  }
  // A dark rim under the colour keeps the circle visible on bright and dark regions alike.
  ctx.strokeStyle = 'rgba(0, 0, 0, 0.8)';
  ctx.lineWidth = 5;
  ctx.stroke();
  ctx.strokeStyle = SPOT_COLOUR;
  ctx.lineWidth = 2.5;
  ctx.stroke();
}

function drawRings(ctx: CanvasRenderingContext2D, g: Geometry, bin: number, s: number, w: number, h: number): void {
  const k = s / bin;
  const cx = g.beamCenterX * k;
  const cy = g.beamCenterY * k;
  ctx.font = '600 14px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const ring of g.resolutionRings) {
    const r = ring.radiusPx * k;
    ctx.strokeStyle = RING_COLOUR;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([6, 5]);
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, 2 * Math.PI);
    ctx.stroke();
    const at = labelPoint(cx, cy, r, w, h);
    if (at) label(ctx, ringLabel(ring.dA), at.x, at.y);
  }
}

/** Where on the ring its label fits inside the image: upper right first, then round the ring. */
function labelPoint(cx: number, cy: number, r: number, w: number, h: number): { x: number; y: number } | null {
  for (const deg of [-45, -135, 45, 135, -90, 0, 180, 90]) {
    const x = cx + r * Math.cos((deg * Math.PI) / 180);
    const y = cy + r * Math.sin((deg * Math.PI) / 180);
    if (x > 30 && x < w - 30 && y > 12 && y < h - 12) return { x, y };
  }
  return null;
}

function label(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
  const w = ctx.measureText(text).width + 8;
  ctx.setLineDash([]);
  ctx.fillStyle = 'rgba(15, 23, 42, 0.8)';
  ctx.fillRect(x - w / 2, y - 10, w, 20);
  ctx.fillStyle = RING_COLOUR;
  ctx.fillText(text, x, y);
}
