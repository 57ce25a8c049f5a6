// The results file: JSON lines, one series record per series, one record per processed
// frame, one summary per series. Written through a stream so a slow disk never blocks the
// collector; flushed and closed on shutdown.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { FrameResult } from '../stages/results.js';
import type { SeriesSummary } from '../stages/collector/SeriesTally.js';
import type { ResultSink, SeriesRecord } from './ResultSink.js';

export interface ResultsFileOptions {
  path: string;
  /** Include the good path's spot lists and radial profiles (they dominate the file size). */
  spots: boolean;
  radial: boolean;
}

export class ResultsFile implements ResultSink {
  private readonly out: WriteStream;

  constructor(private readonly options: ResultsFileOptions) {
    mkdirSync(dirname(options.path), { recursive: true });
    this.out = createWriteStream(options.path, { flags: 'a' });
  }

  series(record: SeriesRecord): void {
    this.write(record);
  }

  frame(r: FrameResult): void {
    const full = r.path === 'good';
    this.write({
      type: 'frame',
      series: r.series,
      frame: r.frame,
      path: r.path,
      n_spots: r.n_spots,
      n_spots_no_ice: r.n_spots_no_ice,
      n_spots_4A: r.n_spots_4A,
      hit: r.hit,
      d_min: r.d_min,
      total_intensity: r.total_intensity,
      saturated_pixels: r.saturated_pixels,
      background: r.background,
      flags: r.flags,
      timing_ms: r.timing,
      ...(full && this.options.spots ? { spots: r.spots } : {}),
      ...(full && this.options.radial ? { radial: r.radial } : {}),
      ...(full ? { separation: r.separation } : {}),
    });
  }

  summary(summary: SeriesSummary): void {
    this.write(summary);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  private write(record: object): void {
    this.out.write(`${JSON.stringify(record)}\n`);
  }
}
