// The X-ray centring of each grid-scan series: the good path's spot count of every cell's image,
// collected as results come, and centred on (stages/grid/xrayCentring) when the series is
// summarised. Series that are no grid scan cost nothing here.
import type { FrameResult, SeriesRecord } from '../../sinks/records.js';
import { configuredGridScan, type GridScan } from '../grid/gridScan.js';
import { GridSpotCounts } from '../grid/GridSpotCounts.js';
import { xrayCentring, type XrayCentringResult } from '../grid/xrayCentring.js';

export class GridCentring {
  private readonly runs = new Map<number, { grid: GridScan; counts: GridSpotCounts; series: number }>();

  start(record: SeriesRecord, run: number): void {
    const grid = configuredGridScan(record.grid_scan);
    if (grid) this.runs.set(run, { grid, counts: new GridSpotCounts(grid), series: record.series });
  }

  /** A good-path result accepted for its run. */
  result(r: FrameResult): void {
    this.runs.get(r.run)?.counts.add(r.frame, r.n_spots);
  }

  /** The run's centring (null for a series that is no grid scan); the run is forgotten. */
  finish(run: number): XrayCentringResult | null {
    const entry = this.runs.get(run);
    if (!entry) return null;
    this.runs.delete(run);
    return xrayCentring(entry.grid, entry.counts.cells, entry.series);
  }
}
