// Nearest-neighbour distances between spots: a pile-up below the close radius means split
// crystals or more than one lattice, which the indexing downstream will not like.
import uPlot from 'uplot';
import type { SeriesView } from '../dashboardMessages.js';
import { field, setText } from './dom.js';
import { count } from './format.js';
import { markersPlugin, type Marker } from './markers.js';
import { axis, COLORS, emptyData, fromZero, legendValue, makePlot, PLOT_HEIGHT, setPlotData } from './plotTheme.js';
import type { SeriesPanel } from './seriesPanel.js';

export class SeparationPanel implements SeriesPanel {
  readonly plot: uPlot;
  private markers: Marker[] = [];
  private xs: number[] = [];
  private readonly threshold = field('separation-threshold');
  private readonly close = field('separation-close');

  constructor() {
    const steps = uPlot.paths.stepped?.({ align: 1 });
    this.plot = makePlot(
      field('separation-plot'),
      {
        scales: { x: { time: false }, y: { range: fromZero(5) } },
        series: [
          { label: 'distance', value: legendValue((v) => `${Math.round(v)} px`) },
          {
            label: 'spot pairs',
            stroke: COLORS.good,
            fill: 'rgba(56, 189, 248, 0.25)',
            width: 2,
            ...(steps ? { paths: steps } : {}),
            value: legendValue((v) => count(v)),
          },
        ],
        axes: [axis({ label: 'nearest-neighbour distance (px)' }), axis({ label: 'spots', size: 70 })],
        plugins: [markersPlugin(() => this.markers)],
      },
      PLOT_HEIGHT,
    );
  }

  apply(series: SeriesView | null): void {
    const s = series?.separation;
    if (s && this.xs.length !== s.counts.length) this.xs = s.counts.map((_, i) => i);
    this.markers = s
      ? [{ x: s.closeRadiusPx, label: 'split/multi-lattice threshold', color: COLORS.threshold, dash: [] }]
      : [];
    setPlotData(this.plot, s ? [this.xs, s.counts] : emptyData(2));
    setText(this.threshold, s ? `closer than ${s.closeRadiusPx} px: split or multiple lattices` : '');
    setText(this.close, s ? closeShare(s.counts, s.closeRadiusPx) : '');
  }
}

/** What share of the spots have a neighbour inside the close radius (bin i covers [i, i+1) px). */
function closeShare(counts: number[], radius: number): string {
  let close = 0;
  let all = 0;
  counts.forEach((n, i) => {
    all += n;
    if (i + 1 <= radius) close += n;
  });
  return all === 0 ? 'no spot pairs yet' : `${((100 * close) / all).toFixed(1)} % of spots closer than ${radius} px`;
}
