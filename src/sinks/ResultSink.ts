// Where the collector's records go: the results file, the dashboard, metrics.
import type { FileRecord, FrameResult, SeriesRecord, SeriesSummary, SkipReason } from './records.js';

export interface ResultSink {
  series(record: SeriesRecord): void;
  frame(result: FrameResult): void;
  summary(summary: SeriesSummary): void;
  /** A frame the fast path did not analyse, and why (sinks that count may implement it). */
  fastSkipped?(reason: SkipReason): void;
  /** A hit file is complete (sinks that announce files implement it). */
  file?(record: FileRecord): void;
  close(): Promise<void>;
}
