// The collecting stage: takes every result from both paths, keeps each series' tally, writes
// each good-path frame exactly once, and emits a series summary once the series has ended and
// every received frame is accounted for (processed, or lost with a reason).
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { FrameResult } from '../results.js';
import type { ResultSink, SeriesRecord } from '../../sinks/ResultSink.js';
import { SeriesTally, type SeriesSummary } from './SeriesTally.js';

export interface CollectorEvents {
  series: [SeriesRecord];
  frame: [FrameResult];
  summary: [SeriesSummary];
}

/** Tallies kept after their summary, for late results and duplicates. */
const KEEP_SETTLED = 16;

export class Collector extends EventEmitter<CollectorEvents> {
  private readonly tallies = new Map<number, SeriesTally>();

  constructor(
    private readonly sinks: ResultSink[],
    private readonly logger: Logger,
  ) {
    super();
  }

  tally(series: number): SeriesTally | undefined {
    return this.tallies.get(series);
  }

  seriesStart(record: SeriesRecord): void {
    if (!this.tallies.has(record.series)) this.tallies.set(record.series, new SeriesTally(record.series));
    for (const s of this.sinks) s.series(record);
    this.emit('series', record);
    this.prune();
  }

  frameReceived(series: number): void {
    this.get(series).received++;
  }

  fastSkipped(series: number, reason: string): void {
    this.get(series).skip(reason);
  }

  goodLost(series: number, frame: number, reason: string): void {
    const tally = this.get(series);
    if (!tally.accountedFrames.add(frame)) {
      tally.duplicates++;
      return;
    }
    tally.lose(reason);
    this.logger.warn({ series, frame, reason }, 'good path lost a frame');
    this.maybeSummarise(tally);
  }

  result(result: FrameResult): void {
    const tally = this.get(result.series);
    if (result.path === 'good') {
      if (!tally.accountedFrames.add(result.frame)) {
        tally.duplicates++;
        return;
      }
      tally.processed++;
      if (result.hit) tally.hits++;
    } else {
      tally.processedFast++;
    }
    const now = Date.now();
    tally.latency(result.path, now - result.receivedAt);
    tally.resultAt(result.path, now);
    for (const s of this.sinks) s.frame(result);
    this.emit('frame', result);
    if (result.path === 'good') this.maybeSummarise(tally);
  }

  seriesEnd(series: number, complete: boolean): void {
    const tally = this.get(series);
    tally.ended = true;
    tally.complete = complete;
    this.maybeSummarise(tally);
  }

  /** Series ended whose good-path work is still going on (their summary waits for it). */
  get pending(): number {
    let n = 0;
    for (const t of this.tallies.values()) if (!t.summarised) n++;
    return n;
  }

  /** On shutdown: summarise every open series, counting what never came back as lost. */
  finish(reason: string): void {
    for (const tally of this.tallies.values()) {
      if (tally.summarised) continue;
      const missing = tally.received - tally.accounted;
      if (missing > 0) tally.loseUnmarked(reason, missing);
      tally.ended = true;
      this.maybeSummarise(tally);
    }
  }

  async close(): Promise<void> {
    for (const s of this.sinks) await s.close();
  }

  private get(series: number): SeriesTally {
    let tally = this.tallies.get(series);
    if (!tally) {
      // Results for a series whose start we never saw cannot happen through the receiver,
      // but a tally is cheap and losing the count would be worse.
      tally = new SeriesTally(series);
      this.tallies.set(series, tally);
    }
    return tally;
  }

  private maybeSummarise(tally: SeriesTally): void {
    if (tally.summarised || !tally.settled) return;
    tally.summarised = true;
    const summary = tally.summary();
    for (const s of this.sinks) s.summary(summary);
    this.emit('summary', summary);
    this.logger.info(summary, 'series summary');
  }

  private prune(): void {
    const settled = [...this.tallies.values()].filter((t) => t.summarised);
    for (const t of settled.slice(0, Math.max(0, settled.length - KEEP_SETTLED))) this.tallies.delete(t.series);
  }
}
