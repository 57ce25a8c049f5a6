// Everything the screen shows about one series, kept up to date from its results: the panels'
// aggregates (binned per image, rolling over time, accumulated), the heat map of a grid scan and
// the red flags. Per result the work is a few additions (and one pass over the radial bins);
// the view is made only when a push goes out.
import type { FileRecord, FrameResult, SeriesRecord } from '../../sinks/records.js';
import type { SeriesTally } from '../../stages/collector/SeriesTally.js';
import { configuredGridScan } from '../../stages/grid/gridScan.js';
import type { SeriesView } from '../dashboardMessages.js';
import type { XrayCentringResult } from '../../stages/grid/xrayCentring.js';
import { GridHeatMap } from './GridHeatMap.js';
import { ImageBins } from './ImageBins.js';
import { RadialPanel } from './RadialPanel.js';
import { seriesGeometryView } from './resolutionRings.js';
import { RollingHitRate } from './RollingHitRate.js';
import { SeparationPanel } from './SeparationPanel.js';
import { SeriesFlags, type PipelineFacts } from './SeriesFlags.js';

export class DashboardSeries {
  readonly startedAt: number;
  endedAt: number | null = null;
  private readonly hitRate: RollingHitRate;
  private readonly spots: ImageBins;
  private readonly dMin: ImageBins;
  private readonly radial: RadialPanel;
  private readonly separation = new SeparationPanel();
  private readonly grid: GridHeatMap | null;
  readonly flags: SeriesFlags;
  private readonly geometry: SeriesView['geometry'];
  private latestDMin: SeriesView['latestDMin'] = { dMin: null, image: null };
  private filesWritten = 0;
  private hitsFast = 0;
  /** The last view made after the series ended (it no longer changes). */
  private final: SeriesView | null = null;

  constructor(
    readonly run: number,
    readonly record: SeriesRecord,
    /** The collector's counts for this run (undefined once it has forgotten it). */
    private readonly tally: () => SeriesTally | undefined,
    now: number,
  ) {
    this.startedAt = now;
    this.hitRate = new RollingHitRate(now);
    this.spots = new ImageBins(record.number_of_images);
    this.dMin = new ImageBins(record.number_of_images);
    this.radial = new RadialPanel(record.radial_q);
    const grid = configuredGridScan(record.grid_scan);
    this.grid = grid ? new GridHeatMap(grid) : null;
    this.flags = new SeriesFlags(grid !== null);
    this.geometry = seriesGeometryView(record);
  }

  add(r: FrameResult, now: number): void {
    this.hitRate.add(r.path, r.hit, now);
    this.spots.add(r.path, r.frame, r.n_spots);
    if (r.d_min !== null) {
      this.dMin.add(r.path, r.frame, r.d_min);
      this.latestDMin = { dMin: r.d_min, image: r.frame };
    }
    if (r.path === 'fast' && r.hit) this.hitsFast++;
    this.radial.add(r);
    this.separation.add(r);
    this.grid?.add(r);
    this.flags.add(r, now);
  }

  /** The grid scan's X-ray centring, for the heat map. */
  centred(result: XrayCentringResult): void {
    this.grid?.centred(result);
  }

  file(_record: FileRecord): void {
    this.filesWritten++;
  }

  get state(): SeriesView['state'] {
    if (this.endedAt !== null) return 'ended';
    return this.tally()?.ended ? 'draining' : 'receiving';
  }

  /** The frames received so far (for the list of recent series). */
  get frames(): number {
    return this.tally()?.received ?? this.final?.counts.received ?? 0;
  }

  view(now: number, pipeline: PipelineFacts | null): SeriesView {
    if (this.final) return this.final;
    // The rate over time runs while frames arrive; after that, only results move it.
    if (this.state === 'receiving') this.hitRate.sample(now);
    if (pipeline) this.flags.check(pipeline, now);
    const view = this.makeView();
    if (this.endedAt !== null) this.final = view;
    return view;
  }

  /** What the pipeline's side of the flags needs from this series' counts. */
  lost(): Pick<PipelineFacts, 'lost' | 'lostReasons'> {
    const t = this.tally();
    return { lost: t?.lostCount ?? 0, lostReasons: { ...(t?.lost ?? {}) } as Record<string, number> };
  }

  private makeView(): SeriesView {
    const t = this.tally();
    const r = this.record;
    const skippedFastReasons = { ...(t?.skippedFast ?? {}) } as Record<string, number>;
    return {
      run: this.run,
      series: r.series,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      detector: r.detector,
      width: r.width,
      height: r.height,
      numberOfImages: r.number_of_images,
      geometry: this.geometry,
      counts: {
        received: t?.received ?? 0,
        processedGood: t?.processed ?? 0,
        processedFast: t?.processedFast ?? 0,
        hitsGood: t?.hits ?? 0,
        hitsFast: this.hitsFast,
        ...this.lost(),
        skippedFast: Object.values(skippedFastReasons).reduce((a, b) => a + b, 0),
        skippedFastReasons,
        filesWritten: this.filesWritten,
      },
      hitRate: { windowS: this.hitRate.windowS, t: this.hitRate.t, good: this.hitRate.good, fast: this.hitRate.fast },
      spotsPerImage: this.spots.view(),
      dMinPerImage: this.dMin.view(),
      radial: this.radial.view(),
      separation: this.separation.view(),
      latestDMin: this.latestDMin,
      grid: this.grid?.view() ?? null,
      flags: this.flags.list(),
    };
  }
}
