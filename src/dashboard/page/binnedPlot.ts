// A plot over image number of an image-binned value: the good path, which sees every frame, as a
// line; the fast path, which samples, as points, so nobody reads a trend into its gaps.
import type uPlot from 'uplot';
import type { ImageBinned } from '../dashboardMessages.js';
import type { BinStarts } from './imageBins.js';
import { axis, COLORS, emptyData, legendValue, makePlot } from './plotTheme.js';

export interface BinnedPlotSpec {
  container: HTMLElement;
  yLabel: string;
  format: (v: number) => string;
  /** The y scale's options (a range from zero, an inverted direction...). */
  y: uPlot.Scale;
  height: number;
  /** Join the good path's values across bins without one (d_min: misses have none, and the
   * line should follow the hits). */
  spanGaps?: boolean;
}

export function makeBinnedPlot(spec: BinnedPlotSpec): uPlot {
  return makePlot(
    spec.container,
    {
      scales: { x: { time: false }, y: spec.y },
      series: [
        { label: 'image', value: legendValue((v) => `${Math.round(v)}`) },
        {
          label: 'good (every frame)',
          stroke: COLORS.good,
          width: 2,
          spanGaps: spec.spanGaps ?? false,
          value: legendValue(spec.format),
        },
        {
          label: 'fast (sampled)',
          stroke: COLORS.fast,
          paths: () => null,
          points: { show: true, size: 5, width: 1, stroke: COLORS.fast, fill: COLORS.fast },
          value: legendValue(spec.format),
        },
      ],
      axes: [axis({ label: 'image number' }), axis({ label: spec.yLabel, size: 60 })],
    },
    spec.height,
  );
}

/** The plot's data for one binned value: [bin starts, good, fast]. */
export function binnedData(starts: BinStarts, binned: ImageBinned | undefined): uPlot.AlignedData {
  return binned ? [starts.of(binned), binned.good, binned.fast] : emptyData(3);
}
