// Where the collector's records go: the results file, the dashboard, metrics.
import type { XrayCentringResult } from '../stages/grid/xrayCentring.js';
import type { FileRecord, FrameResult, SeriesRecord, SeriesSummary, SkipReason } from './records.js';

export interface ResultSink {
  /** A series started; `run` is the pipeline's number for it (frame results carry it). */
  series(record: SeriesRecord, run: number): void;
  frame(result: FrameResult): void;
  summary(summary: SeriesSummary, run: number): void;
  /** A frame the fast path did not analyse, and why (sinks that count may implement it). */
  fastSkipped?(reason: SkipReason): void;
  /** A grid scan's X-ray centring, just before its summary (sinks that pass it on implement it). */
  xrayCentring?(result: XrayCentringResult, run: number): void;
  /** A hit file is complete (sinks that announce files implement it). */
  file?(record: FileRecord): void;
  close(): Promise<void>;
}
