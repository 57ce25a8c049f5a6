// The estimated resolution over image number, and the latest value large: the number a
// scientist quotes. The axis runs with better (smaller d) upwards, as a "higher is better" plot
// reads at a glance.
import type uPlot from 'uplot';
import type { SeriesView } from '../dashboardMessages.js';
import { binnedData, makeBinnedPlot } from './binnedPlot.js';
import { field, setText } from './dom.js';
import { angstrom, imageNo } from './format.js';
import { BinStarts } from './imageBins.js';
import { PLOT_HEIGHT, setPlotData } from './plotTheme.js';
import type { SeriesPanel } from './seriesPanel.js';
import { binWidthText } from './spotsPanel.js';

export class DMinPanel implements SeriesPanel {
  readonly plot: uPlot;
  private readonly starts = new BinStarts();
  private readonly latest = field('latest-d-min');
  private readonly latestImage = field('latest-d-min-image');
  private readonly binWidth = field('d-min-bin-width');

  constructor() {
    this.plot = makeBinnedPlot({
      container: field('d-min-plot'),
      yLabel: 'd_min (Å)',
      format: (v) => angstrom(v),
      y: { dir: -1 },
      height: PLOT_HEIGHT,
      spanGaps: true,
    });
  }

  apply(series: SeriesView | null): void {
    const binned = series?.dMinPerImage;
    setPlotData(this.plot, binnedData(this.starts, binned));
    setText(this.binWidth, binWidthText(binned?.binWidth));
    const latest = series?.latestDMin;
    setText(this.latest, angstrom(latest?.dMin));
    setText(this.latestImage, latest?.image == null ? 'no estimate yet' : `image ${imageNo(latest.image)}`);
  }
}
