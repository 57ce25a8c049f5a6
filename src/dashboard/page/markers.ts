// Vertical lines at x positions (ice rings, a threshold) drawn on the plot's own canvas after
// each redraw, so they move with zoom and resize and cost no DOM.
import uPlot from 'uplot';

export interface Marker {
  x: number;
  label: string;
  color: string;
  dash: number[];
}

/** A uPlot plugin drawing whatever markers() returns at the time of each draw. */
export function markersPlugin(markers: () => readonly Marker[]): uPlot.Plugin {
  return { hooks: { draw: [(u: uPlot) => drawMarkers(u, markers())] } };
}

function drawMarkers(u: uPlot, markers: readonly Marker[]): void {
  if (markers.length === 0) return;
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const px = uPlot.pxRatio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.lineWidth = 2 * px;
  ctx.font = `600 ${13 * px}px system-ui, sans-serif`;
  ctx.textBaseline = 'top';
  markers.forEach((m, i) => {
    const x = Math.round(u.valToPos(m.x, 'x', true));
    if (x < left || x > left + width) return;
    ctx.strokeStyle = m.color;
    ctx.setLineDash(m.dash.map((d) => d * px));
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    // Neighbouring rings sit close: labels alternate over three heights so they do not overlap.
    const y = top + (4 + (i % 3) * 17) * px;
    const nearRight = x > left + width * 0.75;
    ctx.textAlign = nearRight ? 'right' : 'left';
    ctx.fillStyle = m.color;
    ctx.fillText(m.label, x + (nearRight ? -5 : 5) * px, y);
  });
  ctx.restore();
}
