// The /ws results feed as a sink of the collector, like the results file and the metrics: each
// series, frame, file and summary record goes to every WebSocket client that keeps up. Frame records
// are rebuilt from their known fields (frameRecord), with their spots and radial profile.
import type { ResultSink } from '../sinks/ResultSink.js';
import type { FileRecord, FrameResult, SeriesRecord, SeriesSummary } from '../sinks/records.js';
import { frameRecord } from '../sinks/frameRecord.js';
import type { HttpServer } from './HttpServer.js';

export class LiveFeed implements ResultSink {
  constructor(private readonly http: HttpServer) {}

  series(record: SeriesRecord): void {
    this.http.broadcast(record);
  }

  frame(result: FrameResult): void {
    this.http.broadcast(frameRecord(result, { spots: true, radial: true, separation: true }));
  }

  summary(summary: SeriesSummary): void {
    this.http.broadcast(summary);
  }

  file(record: FileRecord): void {
    this.http.broadcast(record);
  }

  async close(): Promise<void> {}
}
