// The per-frame record feed (/ws/records) for tools, as a sink of the collector: each series,
// frame, file and summary record goes to every client of that feed that keeps up. Frame records
// are rebuilt from their known fields (frameRecord), with their spots and radial profile. Nothing
// is encoded while no tool is connected. The dashboard page does not use it (see Dashboard).
import type { ResultSink } from '../sinks/ResultSink.js';
import type { FileRecord, FrameResult, SeriesRecord, SeriesSummary } from '../sinks/records.js';
import { frameRecord } from '../sinks/frameRecord.js';
import type { HttpServer } from './HttpServer.js';

export class RecordFeed implements ResultSink {
  constructor(private readonly http: HttpServer) {}

  series(record: SeriesRecord): void {
    this.http.broadcast(record);
  }

  frame(result: FrameResult): void {
    if (this.http.records.clients.size === 0) return;
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
