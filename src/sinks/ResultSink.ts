// Where the collector's records go: the results file, the dashboard, metrics.
import type { FrameResult } from '../stages/results.js';
import type { SeriesSummary } from '../stages/collector/SeriesTally.js';

export interface SeriesRecord {
  type: 'series';
  series: number;
  series_unique_id: string | null;
  detector: string | null;
  /** null when the detector did not announce them (V1 header_detail "none"). */
  width: number | null;
  height: number | null;
  dtype: string | null;
  beam_center_x: number | null;
  beam_center_y: number | null;
  distance_m: number | null;
  wavelength_a: number | null;
  pixel_size_m: number | null;
  number_of_images: number | null;
  /** Radial bin centres in q (1/angstrom), matching each frame record's `radial`. */
  radial_q: number[];
}

export interface ResultSink {
  series(record: SeriesRecord): void;
  frame(result: FrameResult): void;
  summary(summary: SeriesSummary): void;
  /** A frame the fast path did not analyse, and why (sinks that count may implement it). */
  fastSkipped?(reason: string): void;
  close(): Promise<void>;
}
