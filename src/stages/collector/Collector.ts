// The collecting stage: takes every result from both paths, keeps each series' tally, writes
// each good-path frame exactly once, and emits a series summary once the series has ended and
// every received frame is accounted for (processed, or lost with a reason) and, with hit files
// on, the series' files are closed (the summary says what they hold).
// Tallies are keyed by run, the pipeline's number for a series start: a detector may reuse a
// series id (after a restart), and the two series must not be mixed.
import { GridCentring } from './GridCentring.js';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type {
  FileRecord,
  FrameResult,
  HitFilesSummary,
  LostReason,
  SeriesRecord,
  SeriesSummary,
  SkipReason,
} from '../../sinks/records.js';
import type { ResultSink } from '../../sinks/ResultSink.js';
import { SeriesTally } from './SeriesTally.js';
import type { PipelineTotals } from '../PoolScaler.js';

export interface CollectorEvents {
  series: [SeriesRecord];
  frame: [FrameResult];
  /** A run's summary, with the run it belongs to. */
  summary: [SeriesSummary, number];
  file: [FileRecord];
  /** The good path gave a frame up (run, image number). */
  lost: [number, number];
}

/** What a series' summary waits for once all its frames are accounted: its hit files closed. */
export interface SeriesFinisher {
  /** Resolves with what the run's files hold once they are complete (null: none for this run). */
  finishRun(run: number): Promise<HitFilesSummary | null>;
}

/** What the earlier life of a resumed run finished (see SeriesTally.resume). */
export interface ResumedRun {
  goodFrames: Iterable<number>;
  /** How many goodFrames there are. */
  processed: number;
  hits: number;
  processedFast: number;
}

/** Tallies kept after their summary, for late results and duplicates. */
const KEEP_SETTLED = 16;

export class Collector extends EventEmitter<CollectorEvents> {
  private readonly tallies = new Map<number, SeriesTally>();
  /** Results for runs already summarised, or never started: counted, not written. */
  lateResults = 0;
  /** Images announced by series starts that never arrived, over all series. */
  neverReceived = 0;
  /** Running totals over all series (for rates). */
  readonly totals: PipelineTotals = { received: 0, processedGood: 0, processedFast: 0, fastBusy: 0 };

  /** The X-ray centring of grid scans, published just before their summaries. */
  private readonly centring = new GridCentring();

  /** Summaries waiting for their run's files. */
  private readonly finishing = new Set<Promise<void>>();

  constructor(
    private readonly sinks: ResultSink[],
    private readonly logger: Logger,
    private readonly finisher: SeriesFinisher | null = null,
  ) {
    super();
  }

  /** A file is complete: to every sink (results file, live feed) and the log. */
  file(record: FileRecord): void {
    for (const s of this.sinks) s.file?.(record);
    this.emit('file', record);
    this.logger.info(record, 'file written');
  }

  /** Resolves once no summary waits for its files any more. */
  async drained(): Promise<void> {
    while (this.finishing.size > 0) await Promise.all([...this.finishing]);
  }

  tally(run: number): SeriesTally | undefined {
    return this.tallies.get(run);
  }

  /** A series started; with `resumed`, it is one the pipeline had open when it died, taken up
   * with what its earlier life finished. */
  seriesStart(record: SeriesRecord, run: number, resumed?: ResumedRun): void {
    const tally = new SeriesTally(run, record.series, record.number_of_images);
    if (resumed) {
      tally.resume(resumed);
      this.totals.received += resumed.processed;
      this.totals.processedGood += resumed.processed;
    }
    this.tallies.set(run, tally);
    this.centring.start(record, run);
    for (const s of this.sinks) s.series(record, run);
    this.emit('series', record);
    this.prune();
  }

  /**
   * A frame arrived. False when its image number was already received in this run (a detector
   * or replay fault): the repeat is counted, and is not analysed or accounted a second time,
   * which would either count the frame twice or leave the series waiting for ever.
   */
  frameReceived(run: number, frame: number): boolean {
    const tally = this.open(run);
    if (!tally) return true;
    if (!tally.receivedFrames.add(frame)) {
      if (tally.repeatedFrames++ === 0)
        this.logger.warn(
          { series: tally.series, frame },
          'frame received again under the same image number: counted, not analysed again',
        );
      return false;
    }
    tally.received++;
    this.totals.received++;
    return true;
  }

  otherChannel(run: number): void {
    const tally = this.open(run);
    if (tally) tally.otherChannels++;
  }

  fastSkipped(run: number, reason: SkipReason): void {
    if (reason === 'busy') this.totals.fastBusy++;
    this.open(run)?.skip(reason);
    for (const s of this.sinks) s.fastSkipped?.(reason);
  }

  goodLost(run: number, frame: number, reason: LostReason, detail?: string): void {
    const tally = this.open(run);
    if (!tally) return;
    if (!tally.accountedFrames.add(frame)) {
      tally.duplicates++;
      return;
    }
    tally.lose(reason);
    this.emit('lost', run, frame);
    this.logger.warn({ series: tally.series, frame, reason, detail }, 'good path lost a frame');
    this.maybeSummarise(tally);
  }

  result(result: FrameResult): void {
    const tally = this.open(result.run);
    if (!tally) return;
    if (result.path === 'good') {
      if (!tally.accountedFrames.add(result.frame)) {
        tally.duplicates++;
        return;
      }
      tally.processed++;
      this.totals.processedGood++;
      if (result.hit) tally.hits++;
      this.centring.result(result);
    } else {
      tally.processedFast++;
      this.totals.processedFast++;
    }
    const now = Date.now();
    tally.latency(result.path, now - result.receivedAt);
    tally.resultAt(result.path, now);
    for (const s of this.sinks) s.frame(result);
    this.emit('frame', result);
    if (result.path === 'good') this.maybeSummarise(tally);
  }

  /** The series ended; with `countNeverReceived`, its announced images that never came are counted lost. */
  seriesEnd(
    run: number,
    complete: boolean,
    options: { countNeverReceived: boolean } = { countNeverReceived: true },
  ): void {
    const tally = this.open(run);
    if (!tally) return;
    tally.ended = true;
    tally.complete = complete;
    const missing = options.countNeverReceived ? tally.countNeverReceived() : 0;
    if (missing > 0) {
      this.neverReceived += missing;
      this.logger.warn(
        { series: tally.series, missing, images: tally.neverReceived },
        `${missing} images of series ${tally.series} never arrived: is another reader connected to the detector? (A PUSH socket deals its messages out among all its readers.)`,
      );
    }
    this.maybeSummarise(tally);
  }

  /** Runs whose summary is still to come (their good-path work goes on). */
  get pending(): number {
    let n = 0;
    for (const t of this.tallies.values()) if (!t.summarised) n++;
    return n;
  }

  /** On shutdown: summarise every open run, counting what never came back as lost. */
  finish(reason: LostReason): void {
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

  /** The tally of a run still open, or undefined (counted) when it is unknown or summarised. */
  private open(run: number): SeriesTally | undefined {
    const tally = this.tallies.get(run);
    if (tally && !tally.summarised) return tally;
    this.lateResults++;
    return undefined;
  }

  private maybeSummarise(tally: SeriesTally): void {
    if (tally.summarised || !tally.settled) return;
    tally.summarised = true;
    if (this.finisher === null) {
      this.publishSummary(tally, null);
      return;
    }
    const done = this.finisher
      .finishRun(tally.run)
      .catch((err: unknown) => {
        this.logger.error({ series: tally.series, err: (err as Error).message }, 'hit files could not be finished');
        return null;
      })
      .then((files) => this.publishSummary(tally, files))
      .finally(() => this.finishing.delete(done));
    this.finishing.add(done);
  }

  private publishSummary(tally: SeriesTally, files: HitFilesSummary | null): void {
    const centring = this.centring.finish(tally.run);
    if (centring) {
      for (const s of this.sinks) s.xrayCentring?.(centring, tally.run);
      this.logger.info(centring, 'X-ray centring');
    }
    const summary = tally.summary(files);
    for (const s of this.sinks) s.summary(summary, tally.run);
    this.emit('summary', summary, tally.run);
    this.logger.info(summary, 'series summary');
  }

  private prune(): void {
    const settled = [...this.tallies.values()].filter((t) => t.summarised);
    for (const t of settled.slice(0, Math.max(0, settled.length - KEEP_SETTLED))) this.tallies.delete(t.run);
  }
}
