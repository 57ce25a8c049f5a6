// The live-feedback screen's model: a sink of the collector that keeps the aggregates of the
// last few series (DashboardSeries) and the latest hit image, and makes the state the page is
// pushed (DashboardPush decides when). Per frame it only adds to aggregates; a state is built
// at most 10 times a second, and only while somebody is watching.
import type { ResultSink } from '../sinks/ResultSink.js';
import type { FileRecord, FrameResult, SeriesRecord, SeriesSummary, SkipReason } from '../sinks/records.js';
import type { SeriesTally } from '../stages/collector/SeriesTally.js';
import type { XrayCentringResult } from '../stages/grid/xrayCentring.js';
import type { HealthView, PreviewMessage, SeriesView, StateMessage } from './dashboardMessages.js';
import { DashboardSeries } from './aggregate/DashboardSeries.js';

/** Series kept to look back at (the current one included). */
export const RECENT_SERIES = 5;
/** Spots sent with a preview to circle (the strongest first). */
const PREVIEW_SPOTS = 1000;

/** What the pipeline tells the dashboard about itself at each push. */
export type PipelineHealth = Omit<HealthView, 'delayMs' | 'skippedFast' | 'skippedFastReasons' | 'filesWritten'>;

export interface DashboardOptions {
  setup: string;
  tally: (run: number) => SeriesTally | undefined;
  health: () => PipelineHealth;
  /** A frame came with a preview image (the fast path then asks for the next one later). */
  previewReceived?: () => void;
  now?: () => number;
}

export class Dashboard implements ResultSink {
  private readonly held = new Map<number, DashboardSeries>();
  private current: DashboardSeries | null = null;
  private preview: PreviewMessage | null = null;
  private seq = 0;
  /** Something changed since the last state was built. */
  changed = true;
  /** A new preview since the last call of takePreview(). */
  private previewFresh = false;
  private readonly skippedFastReasons: Partial<Record<SkipReason, number>> = {};
  private skippedFast = 0;
  private filesWritten = 0;
  /** Arrival time and result latency of each path's latest result (for the delay). */
  private readonly latest: Record<FrameResult['path'], LatestResult> = {
    good: { receivedAt: 0, latency: 0, seen: false },
    fast: { receivedAt: 0, latency: 0, seen: false },
  };
  private readonly now: () => number;

  constructor(private readonly options: DashboardOptions) {
    this.now = options.now ?? Date.now;
  }

  series(record: SeriesRecord, run: number): void {
    const s = new DashboardSeries(run, record, () => this.options.tally(run), this.now());
    this.held.set(run, s);
    this.current = s;
    for (const old of this.held.keys()) if (this.held.size > RECENT_SERIES) this.held.delete(old);
    this.changed = true;
  }

  frame(result: FrameResult): void {
    const now = this.now();
    const latest = this.latest[result.path];
    latest.receivedAt = result.receivedAt;
    latest.latency = now - result.receivedAt;
    latest.seen = true;
    const s = this.held.get(result.run);
    if (!s) return;
    s.add(result, now);
    if (result.preview) {
      this.preview = previewMessage(result, s.run);
      this.previewFresh = true;
      this.options.previewReceived?.();
    }
    this.changed = true;
  }

  fastSkipped(reason: SkipReason): void {
    this.skippedFastReasons[reason] = (this.skippedFastReasons[reason] ?? 0) + 1;
    this.skippedFast++;
  }

  file(record: FileRecord): void {
    this.filesWritten++;
    for (const s of this.held.values()) if (s.record.series === record.series && s.state !== 'ended') s.file(record);
    this.changed = true;
  }

  xrayCentring(result: XrayCentringResult, run: number): void {
    this.held.get(run)?.centred(result);
    this.changed = true;
  }

  summary(_summary: SeriesSummary, run: number): void {
    const s = this.held.get(run);
    if (s) s.endedAt = this.now();
    this.changed = true;
  }

  async close(): Promise<void> {}

  /** The state to push now. */
  state(): StateMessage {
    const now = this.now();
    const health = this.healthView(now);
    const facts = { goodWaiting: health.goodQueue.waiting, goodDelayMs: health.delayMs.good };
    const current = this.current?.view(now, { ...facts, ...this.current.lost() }) ?? null;
    this.changed = false;
    return {
      type: 'state',
      seq: ++this.seq,
      now,
      setup: this.options.setup,
      current,
      recent: [...this.held.values()].reverse().map((s) => ({
        run: s.run,
        series: s.record.series,
        state: s.state,
        startedAt: s.startedAt,
        frames: s.frames,
      })),
      health,
    };
  }

  /** A series still held, as the screen shows it (to look back at). */
  seriesView(run: number): SeriesView | null {
    return this.held.get(run)?.view(this.now(), null) ?? null;
  }

  /** The latest hit image, if any. */
  latestPreview(): PreviewMessage | null {
    return this.preview;
  }

  /** The latest hit image if it is new since the last call. */
  takePreview(): PreviewMessage | null {
    if (!this.previewFresh) return null;
    this.previewFresh = false;
    return this.preview;
  }

  private healthView(now: number): HealthView {
    const base = this.options.health();
    const busy = base.goodQueue.waiting + base.goodQueue.inFlight > 0;
    return {
      ...base,
      skippedFast: this.skippedFast,
      skippedFastReasons: { ...this.skippedFastReasons } as Record<string, number>,
      filesWritten: this.filesWritten,
      delayMs: { good: delay(this.latest.good, now, busy), fast: delay(this.latest.fast, now, false) },
    };
  }
}

interface LatestResult {
  receivedAt: number;
  latency: number;
  seen: boolean;
}

/** How far behind the detector a path is: while it has work waiting, now minus the arrival of
 * the latest frame it finished; when idle, that frame's own latency (it caught up). */
function delay(latest: LatestResult, now: number, busy: boolean): number | null {
  if (!latest.seen) return null;
  return Math.round(busy ? now - latest.receivedAt : latest.latency);
}

function previewMessage(r: FrameResult, run: number): PreviewMessage {
  const p = r.preview!;
  const strongest =
    r.spots.length > PREVIEW_SPOTS ? [...r.spots].sort((a, b) => b[2] - a[2]).slice(0, PREVIEW_SPOTS) : r.spots;
  return {
    type: 'preview',
    run,
    series: r.series,
    image: r.frame,
    path: r.path,
    nSpots: r.n_spots,
    dMin: r.d_min,
    bin: p.bin,
    width: p.width,
    height: p.height,
    pixels: Buffer.from(p.pixels.buffer, p.pixels.byteOffset, p.pixels.byteLength).toString('base64'),
    spots: strongest.map(([x, y]) => [x, y]),
  };
}
