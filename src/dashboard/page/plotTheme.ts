// What every plot on the page shares: the colours (the good path blue, the fast path orange on
// every panel, a pair colour-blind readers tell apart), axes sized to be read from a few metres,
// and plots that follow their panel's width.
import uPlot from 'uplot';

export const COLORS = {
  good: '#38bdf8',
  fast: '#fb923c',
  current: '#fde047',
  accumulated: '#38bdf8',
  ice: '#c084fc',
  threshold: '#f87171',
  axis: '#cbd5e1',
  grid: 'rgba(203, 213, 225, 0.13)',
  text: '#e2e8f0',
} as const;

/** Tall enough to read a trend from a few metres, low enough for three rows on one screen. */
export const PLOT_HEIGHT = 210;

const AXIS_FONT = '15px system-ui, sans-serif';
const LABEL_FONT = '600 15px system-ui, sans-serif';

export function axis(extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: COLORS.axis,
    font: AXIS_FONT,
    labelFont: LABEL_FONT,
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid, width: 1 },
    ...extra,
  };
}

/** A plot in `container`, as wide as it and `height` tall, resized with it. */
export function makePlot(container: HTMLElement, options: Omit<uPlot.Options, 'width' | 'height'>, height: number) {
  const width = Math.max(200, container.clientWidth);
  const plot = new uPlot({ width, height, ...options }, emptyData(options.series.length), container);
  new ResizeObserver(() => {
    const w = Math.max(200, Math.floor(container.clientWidth));
    if (w !== plot.width) plot.setSize({ width: w, height });
  }).observe(container);
  return plot;
}

export function emptyData(seriesCount: number): uPlot.AlignedData {
  return [[], ...Array.from({ length: seriesCount - 1 }, () => [])];
}

/** New data, drawn now rather than in a later microtask, so the apply's timing includes it. */
export function setPlotData(plot: uPlot, data: uPlot.AlignedData): void {
  plot.batch(() => plot.setData(data));
}

/** A y range from zero to a little above the highest value: counts and rates start at zero. */
export function fromZero(minTop: number) {
  return (_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax => [
    0,
    Math.max(minTop, (max ?? 0) * 1.1),
  ];
}

/** The legend's value cell for one series: empty while the pointer is off the plot, so the
 * legend then reads as a key of colours, not a row of dashes. */
export function legendValue(format: (v: number) => string) {
  return (_u: uPlot, v: number | null): string => (v == null ? '' : format(v));
}
