// Running counts for one series, from which the series summary is made. The summary's
// promise: every frame is processed or lost under a named reason. The lost include the images
// the series announced that never arrived ('never-received': taken by another reader of the
// detector's PUSH socket, say), so processed + lost = received + never received.
import { FrameSet } from './FrameSet.js';
import type { HitFilesSummary, LostReason, PoolPath, SeriesSummary, SkipReason } from '../../sinks/records.js';

/** Ranges of never-received images listed in a summary before it says "...". */
const MAX_RANGES = 20;
/** Series announcing more images than this are not checked for gaps (a hostile header). */
const MAX_CHECKED_IMAGES = 100_000_000;

export class SeriesTally {
  received = 0;
  /** Image numbers received (a repeat is counted, not analysed again). */
  readonly receivedFrames = new FrameSet();
  /** Frames the detector sent again under an image number already received. */
  repeatedFrames = 0;
  /** Good-path frames accounted for (processed or lost): each may be counted once. */
  readonly accountedFrames = new FrameSet();
  processed = 0;
  processedFast = 0;
  hits = 0;
  duplicates = 0;
  ended = false;
  complete = true;
  summarised = false;
  readonly skippedFast: Partial<Record<SkipReason, number>> = {};
  readonly lost: Partial<Record<LostReason, number>> = {};
  private lostTotal = 0;
  private unmarked = 0;
  private readonly latencies = { good: [] as number[], fast: [] as number[] };
  readonly startedAt = new Date();
  private readonly spans = { good: { first: 0, last: 0, count: 0 }, fast: { first: 0, last: 0, count: 0 } };

  /** Frames of channels after the first (not analysed). */
  otherChannels = 0;

  private neverReceivedImages = '';
  /** Set once the run is taken up after a restart of the pipeline (see resume()). */
  private restart: { restarts: number; lost_images: string } | null = null;

  constructor(
    /** The pipeline's number for this series start. */
    readonly run: number,
    /** The detector's series id. */
    readonly series: number,
    /** Images the series start announced, when it did. */
    readonly numberOfImages: number | null = null,
  ) {}

  /**
   * At the series' end: counts the announced images that never arrived as lost and returns how
   * many: 'never-received', or in a series taken up after a restart 'pipeline-restart' (an image
   * missing then may have been lost in the crash as well as never sent).
   */
  countNeverReceived(): number {
    const gaps = missingRanges(this.receivedFrames, this.numberOfImages);
    if (gaps.missing === 0) return 0;
    if (this.restart) {
      this.loseUnreceived('pipeline-restart', gaps.missing);
      this.restart.lost_images = gaps.ranges;
    } else {
      this.loseUnreceived('never-received', gaps.missing);
      this.neverReceivedImages = gaps.ranges;
    }
    return gaps.missing;
  }

  /**
   * This run was open when the pipeline died and is taken up again: the good-path results of
   * the earlier life (from the results file) count as received and processed, so only what
   * neither life finished is lost ('pipeline-restart', named at the end).
   */
  resume(before: { goodFrames: Iterable<number>; hits: number; processedFast: number }): void {
    this.restart = { restarts: (this.restart?.restarts ?? 0) + 1, lost_images: '' };
    for (const frame of before.goodFrames) {
      if (!this.receivedFrames.add(frame)) continue;
      this.accountedFrames.add(frame);
      this.received++;
      this.processed++;
    }
    this.hits += before.hits;
    this.processedFast += before.processedFast;
  }

  /** Good-path frames lost so far, all reasons. */
  get lostCount(): number {
    return this.lostTotal;
  }

  get neverReceived(): string {
    return this.neverReceivedImages;
  }

  private loseUnreceived(reason: 'never-received' | 'pipeline-restart', n: number): void {
    this.lost[reason] = (this.lost[reason] ?? 0) + n;
    this.lostTotal += n;
  }

  /** Good-path frames accounted for (processed or lost). */
  get accounted(): number {
    return this.accountedFrames.size + this.unmarked;
  }

  /** True once the series has ended and every received frame is processed or counted lost. */
  get settled(): boolean {
    return this.ended && this.accounted >= this.received;
  }

  skip(reason: SkipReason): void {
    this.skippedFast[reason] = (this.skippedFast[reason] ?? 0) + 1;
  }

  /** A frame the good path gave up on (already marked in accountedFrames by the caller). */
  lose(reason: LostReason): void {
    this.lost[reason] = (this.lost[reason] ?? 0) + 1;
    this.lostTotal++;
  }

  /** Frames that never came back at all (shutdown): counted lost, and as accounted for. */
  loseUnmarked(reason: LostReason, n: number): void {
    this.lost[reason] = (this.lost[reason] ?? 0) + n;
    this.lostTotal += n;
    this.unmarked += n;
  }

  /** A result arrived: for the per-path rates. */
  resultAt(path: PoolPath, now: number): void {
    const span = this.spans[path];
    if (span.first === 0) span.first = now;
    span.last = now;
    span.count++;
  }

  latency(path: PoolPath, ms: number): void {
    const list = this.latencies[path];
    // A bounded reservoir keeps memory flat on endless series.
    if (list.length < 100_000) list.push(ms);
    else list[Math.floor(Math.random() * list.length)] = ms;
  }

  summary(hitFiles: HitFilesSummary | null = null): SeriesSummary {
    const skipped = Object.values(this.skippedFast).reduce((a, b) => a + b, 0);
    return {
      type: 'summary',
      series: this.series,
      complete: this.complete,
      frames_other_channels: this.otherChannels,
      received: this.received,
      repeated_frames: this.repeatedFrames,
      processed: this.processed,
      skipped_fast: skipped,
      skipped_fast_reasons: { ...this.skippedFast },
      processed_fast: this.processedFast,
      lost: this.lostTotal,
      lost_reasons: { ...this.lost },
      never_received_images: this.neverReceivedImages,
      ...(this.restart ? { restart: { ...this.restart } } : {}),
      duplicates_dropped: this.duplicates,
      hits: this.hits,
      hit_rate: this.processed > 0 ? this.hits / this.processed : 0,
      latency_ms: { good: percentiles(this.latencies.good), fast: percentiles(this.latencies.fast) },
      rate_fps: { good: rate(this.spans.good), fast: rate(this.spans.fast) },
      hit_files: hitFiles,
      started_at: this.startedAt.toISOString(),
      ended_at: new Date().toISOString(),
    };
  }
}

/** The image numbers 0..n-1 not in `received`, as ranges ("3-5,9", cut after MAX_RANGES). */
function missingRanges(received: FrameSet, n: number | null): { missing: number; ranges: string } {
  if (n === null || n <= 0 || n > MAX_CHECKED_IMAGES) return { missing: 0, ranges: '' };
  const ranges: string[] = [];
  let missing = 0;
  for (let i = 0; i < n; i++) {
    if (received.has(i)) continue;
    let j = i;
    while (j + 1 < n && !received.has(j + 1)) j++;
    missing += j - i + 1;
    if (ranges.length < MAX_RANGES) ranges.push(i === j ? `${i}` : `${i}-${j}`);
    else if (ranges.length === MAX_RANGES) ranges.push('...');
    i = j;
  }
  return { missing, ranges: ranges.join(',') };
}

function percentiles(values: number[]): { p50: number | null; p99: number | null } {
  if (values.length === 0) return { p50: null, p99: null };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: round(at(0.5)), p99: round(at(0.99)) };
}

const round = (v: number) => Math.round(v * 10) / 10;

function rate(span: { first: number; last: number; count: number }): number | null {
  return span.count >= 2 && span.last > span.first ? round(((span.count - 1) * 1000) / (span.last - span.first)) : null;
}
