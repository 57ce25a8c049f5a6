// The radial profile in q, with d = 2 pi / q on a second axis, since scientists think in
// Angstrom: the latest frame's profile over the series' mean, ice-ring positions marked, so a
// ring growing on the current frame stands out against the average.
import type uPlot from 'uplot';
import type { SeriesView } from '../dashboardMessages.js';
import { field, make, setText } from './dom.js';
import { count, imageNo } from './format.js';
import { markersPlugin, type Marker } from './markers.js';
import { axis, COLORS, emptyData, legendValue, makePlot, PLOT_HEIGHT, setPlotData } from './plotTheme.js';
import type { SeriesPanel } from './seriesPanel.js';

const TWO_PI = 2 * Math.PI;

/** Round d values a scientist reads off a powder pattern; the d axis ticks at those within range. */
const D_TICKS = [50, 20, 10, 7, 5, 4, 3, 2.5, 2, 1.8, 1.6, 1.4, 1.2, 1, 0.9, 0.8];

export function dSpacing(q: number): string {
  return q > 0 ? (TWO_PI / q).toFixed(2) : '∞';
}

function dSplits(u: uPlot): number[] {
  const { min, max } = u.scales['x']!;
  if (min == null || max == null) return [];
  return D_TICKS.map((d) => TWO_PI / d).filter((q) => q >= min && q <= max);
}

function dLabels(_u: uPlot, qs: number[]): string[] {
  return qs.map((q) => String(Math.round((TWO_PI / q) * 10) / 10));
}

export class RadialPanel implements SeriesPanel {
  readonly plot: uPlot;
  private markers: Marker[] = [];
  private markersKey = '';
  // uPlot takes an element as a series label, so the legend can say which frame is current.
  private readonly currentLabel = make('span', 'legend-label', 'radial-current-label');
  private readonly current = field('radial-current');
  private readonly accumulated = field('radial-accumulated');

  constructor() {
    const intensity = legendValue((v) => v.toFixed(1));
    this.currentLabel.textContent = 'current frame';
    this.plot = makePlot(
      field('radial-plot'),
      {
        scales: { x: { time: false } },
        series: [
          { label: 'q', value: legendValue((q) => `${q.toFixed(3)} Å⁻¹ (d ${dSpacing(q)} Å)`) },
          { label: this.currentLabel, stroke: COLORS.current, width: 1.5, value: intensity },
          { label: 'series mean (good path)', stroke: COLORS.accumulated, width: 2.5, value: intensity },
        ],
        axes: [
          axis({ label: 'q (Å⁻¹)' }),
          axis({ label: 'mean intensity (counts)', size: 70 }),
          axis({ side: 0, label: 'd (Å)', scale: 'x', grid: { show: false }, splits: dSplits, values: dLabels }),
        ],
        plugins: [markersPlugin(() => this.markers)],
      },
      PLOT_HEIGHT + 30,
    );
  }

  apply(series: SeriesView | null): void {
    const r = series?.radial;
    this.setIceRings(r?.iceRings ?? []);
    setPlotData(this.plot, r ? [r.q, r.current, r.accumulated] : emptyData(3));
    const which = currentFrameText(r?.currentImage ?? null, r?.currentPath ?? null);
    setText(this.currentLabel, which === null ? 'current frame' : `current: ${which}`);
    setText(this.current, which ?? 'no frame yet');
    setText(this.accumulated, r ? `mean of ${count(r.accumulatedFrames)} good-path frames` : '');
  }

  private setIceRings(rings: { dA: number; q: number }[]): void {
    const key = rings.map((r) => r.q).join(',');
    if (key === this.markersKey) return;
    this.markersKey = key;
    this.markers = rings.map((r) => ({ x: r.q, label: r.dA.toFixed(2), color: COLORS.ice, dash: [6, 4] }));
  }
}

function currentFrameText(image: number | null, path: 'good' | 'fast' | null): string | null {
  if (image == null) return null;
  return `image ${imageNo(image)}${path ? ` (${path} path)` : ''}`;
}
