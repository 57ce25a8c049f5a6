// Spots per frame over image number: whether the crystals diffract, and whether that holds up
// along the series.
import type uPlot from 'uplot';
import type { SeriesView } from '../dashboardMessages.js';
import { binnedData, makeBinnedPlot } from './binnedPlot.js';
import { field, setText } from './dom.js';
import { BinStarts } from './imageBins.js';
import { PLOT_HEIGHT, fromZero, setPlotData } from './plotTheme.js';
import type { SeriesPanel } from './seriesPanel.js';

export class SpotsPanel implements SeriesPanel {
  readonly plot: uPlot;
  private readonly starts = new BinStarts();
  private readonly binWidth = field('spots-bin-width');

  constructor() {
    this.plot = makeBinnedPlot({
      container: field('spots-plot'),
      yLabel: 'spots per frame',
      format: (v) => v.toFixed(1),
      y: { range: fromZero(5) },
      height: PLOT_HEIGHT,
    });
  }

  apply(series: SeriesView | null): void {
    const binned = series?.spotsPerImage;
    setPlotData(this.plot, binnedData(this.starts, binned));
    setText(this.binWidth, binWidthText(binned?.binWidth));
  }
}

export function binWidthText(width: number | undefined): string {
  if (width == null) return '';
  return width === 1 ? 'one point per image' : `mean over bins of ${width} images`;
}
