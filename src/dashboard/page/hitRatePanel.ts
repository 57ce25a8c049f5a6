// Hit rate over the series' time, both paths: the first thing that says whether the sample is
// in the beam. Values stay fractions, as sent; only axes and legend show them as percentages.
import type uPlot from 'uplot';
import type { SeriesView } from '../dashboardMessages.js';
import { field, setText } from './dom.js';
import { percent } from './format.js';
import { axis, COLORS, emptyData, legendValue, makePlot, PLOT_HEIGHT, setPlotData } from './plotTheme.js';
import { lastValue, type SeriesPanel } from './seriesPanel.js';

export class HitRatePanel implements SeriesPanel {
  readonly plot: uPlot;
  private readonly good = field('hit-rate-good');
  private readonly fast = field('hit-rate-fast');
  private readonly window = field('hit-rate-window');

  constructor() {
    const pct = legendValue((v) => percent(v));
    this.plot = makePlot(
      field('hit-rate-plot'),
      {
        scales: {
          x: { time: false },
          y: { range: (_u, _min, max) => [0, Math.min(1, Math.max(0.1, (max ?? 0) * 1.15))] },
        },
        series: [
          { label: 't', value: legendValue((v) => `${Math.round(v)} s`) },
          { label: 'good', stroke: COLORS.good, width: 2.5, value: pct },
          { label: 'fast', stroke: COLORS.fast, width: 2, dash: [8, 5], value: pct },
        ],
        axes: [
          axis({ label: 'time since series start (s)' }),
          axis({ label: 'hit rate', size: 64, values: (_u, splits) => splits.map((s) => `${Math.round(s * 100)} %`) }),
        ],
      },
      PLOT_HEIGHT,
    );
  }

  apply(series: SeriesView | null): void {
    const hr = series?.hitRate;
    setPlotData(this.plot, hr ? [hr.t, hr.good, hr.fast] : emptyData(3));
    setText(this.good, percent(hr ? lastValue(hr.good) : null));
    setText(this.fast, percent(hr ? lastValue(hr.fast) : null));
    setText(this.window, hr ? `over the last ${hr.windowS} s` : '');
  }
}
