// The screen's red flags for a series: what is wrong with the sample or the pipeline, decided
// over recent frames rather than per frame (one frame's ice ring is not an iced sample). Each
// rule raises at one level and clears at a lower one, so a flag does not flicker around its
// threshold; a raised flag remembers since when, and the image that raised it.
//
// The rules (each over the frames' results as they come, both paths):
// - ice-rings:          the frame flag 'ice-rings' on >= 30 % of the last 50 frames (clears < 15 %);
//                       strong Bragg spots alone raise the frame flag on about one frame in ten
// - multiple-lattices:  'multiple-lattices' on >= 20 % of the last 50 hits (clears < 10 %)
// - saturation:         'saturation' on >= 50 % of the last 50 hits (clears < 30 %): strong spots
//                       are cut off, attenuate
// - hit-rate-collapsed: the hit rate over the last 200 frames below a quarter of the best seen
//                       over 200 frames this series (which was at least 5 %); clears at half.
//                       Not for grid scans, whose hit rate follows the sample's shape
// - diffraction-fading: the median d_min of the last 30 hits 25 % worse than that of the series'
//                       first 30 hits (clears at 15 %): the sample dying in the beam. Not for grid scans
// - frames-lost:        the good path lost frames (never clears within the series)
// - good-path-behind:   the good path's latest result arrived more than 10 s ago with frames still
//                       waiting (clears under 5 s)
import type { FrameResult } from '../../sinks/records.js';
import type { SeriesFlag, SeriesFlagName } from '../dashboardMessages.js';
import { RecentWindow } from './RecentWindow.js';

const FRAME_WINDOW = 50;
const HIT_WINDOW = 50;
const MIN_FOR_FRACTION = 10;
const HIT_RATE_WINDOW = 200;
const MIN_BEST_HIT_RATE = 0.05;
const FADING_HITS = 30;
const BEHIND_RAISE_MS = 10_000;
const BEHIND_CLEAR_MS = 5_000;

interface FrameFacts {
  hit: boolean;
  ice: boolean;
  split: boolean;
  saturated: boolean;
}

export interface PipelineFacts {
  /** Good-path frames lost in this series, by reason. */
  lost: number;
  lostReasons: Record<string, number>;
  /** Good-path frames waiting (memory and disk), and how long ago its latest result's frame arrived. */
  goodWaiting: number;
  goodDelayMs: number | null;
}

export class SeriesFlags {
  private readonly raised = new Map<SeriesFlagName, SeriesFlag>();
  private readonly frames = new RecentWindow<FrameFacts>(FRAME_WINDOW);
  private readonly hits = new RecentWindow<FrameFacts>(HIT_WINDOW);
  private readonly hitWindow = new RecentWindow<boolean>(HIT_RATE_WINDOW);
  private bestHitRate = 0;
  private readonly firstDMins: number[] = [];
  private readonly lastDMins = new RecentWindow<number>(FADING_HITS);

  constructor(private readonly gridScan: boolean) {}

  /** A frame's result: updates the sample's flags. */
  add(r: FrameResult, now: number): void {
    const facts: FrameFacts = {
      hit: r.hit,
      ice: r.flags.includes('ice-rings'),
      split: r.flags.includes('multiple-lattices'),
      saturated: r.flags.includes('saturation'),
    };
    this.frames.push(facts);
    if (r.hit) this.hits.push(facts);
    const at = { now, image: r.frame };
    this.fractionRule('ice-rings', this.frames, (f) => f.ice, 0.3, 0.15, 'ice rings on', 'frames', at);
    this.fractionRule('multiple-lattices', this.hits, (f) => f.split, 0.2, 0.1, 'split spots on', 'hits', at);
    this.fractionRule('saturation', this.hits, (f) => f.saturated, 0.5, 0.3, 'saturated pixels on', 'hits', at);
    if (this.gridScan) return;
    this.hitRateRule(r.hit, at);
    if (r.hit && r.d_min !== null) this.fadingRule(r.d_min, at);
  }

  /** The pipeline's side: lost frames, a good path falling behind (checked at every push). */
  check(p: PipelineFacts, now: number): void {
    if (p.lost > 0) {
      const why = Object.entries(p.lostReasons)
        .map(([reason, n]) => `${reason} ${n}`)
        .join(', ');
      this.set('frames-lost', true, `${p.lost} frame${p.lost === 1 ? '' : 's'} lost (${why})`, { now, image: null });
    }
    const delay = p.goodDelayMs ?? 0;
    const behind =
      p.goodWaiting > 0 && delay > (this.raised.has('good-path-behind') ? BEHIND_CLEAR_MS : BEHIND_RAISE_MS);
    this.set(
      'good-path-behind',
      behind,
      `good path ${(delay / 1000).toFixed(0)} s behind the detector, ${p.goodWaiting} frames waiting`,
      { now, image: null },
    );
  }

  list(): SeriesFlag[] {
    return [...this.raised.values()];
  }

  private fractionRule(
    flag: SeriesFlagName,
    window: RecentWindow<FrameFacts>,
    test: (f: FrameFacts) => boolean,
    raiseAt: number,
    clearBelow: number,
    what: string,
    of: string,
    at: { now: number; image: number | null },
  ): void {
    if (window.length < MIN_FOR_FRACTION) return;
    const n = window.count(test);
    const fraction = n / window.length;
    const on = this.raised.has(flag) ? fraction >= clearBelow : fraction >= raiseAt;
    this.set(flag, on, `${what} ${n} of the last ${window.length} ${of}`, at);
  }

  private hitRateRule(hit: boolean, at: { now: number; image: number | null }): void {
    this.hitWindow.push(hit);
    if (!this.hitWindow.full) return;
    const rate = this.hitWindow.count((h) => h) / this.hitWindow.length;
    this.bestHitRate = Math.max(this.bestHitRate, rate);
    if (this.bestHitRate < MIN_BEST_HIT_RATE) return;
    const on = this.raised.has('hit-rate-collapsed') ? rate < this.bestHitRate / 2 : rate < this.bestHitRate / 4;
    const why = `hit rate ${percent(rate)} over the last ${this.hitWindow.length} frames; it was ${percent(this.bestHitRate)}`;
    this.set('hit-rate-collapsed', on, why, at);
  }

  private fadingRule(dMin: number, at: { now: number; image: number | null }): void {
    if (this.firstDMins.length < FADING_HITS) {
      this.firstDMins.push(dMin);
      return;
    }
    this.lastDMins.push(dMin);
    if (!this.lastDMins.full) return;
    const start = median(this.firstDMins);
    const recent = median(this.lastDMins.values());
    const worse = recent / start - 1;
    const on = this.raised.has('diffraction-fading') ? worse > 0.15 : worse > 0.25;
    const why = `d_min ${recent.toFixed(2)} Å over the last ${FADING_HITS} hits; ${start.toFixed(2)} Å over the first ${FADING_HITS}`;
    this.set('diffraction-fading', on, why, at);
  }

  /** Raises (keeping its first time, updating its reason) or clears a flag. */
  private set(flag: SeriesFlagName, on: boolean, reason: string, at: { now: number; image: number | null }): void {
    const current = this.raised.get(flag);
    if (!on) {
      this.raised.delete(flag);
      return;
    }
    if (current) current.reason = reason;
    else this.raised.set(flag, { flag, reason, since: at.now, sinceImage: at.image });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;
