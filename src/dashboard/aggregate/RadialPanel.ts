// The radial-profile panel: the latest frame's profile and the series' mean profile, on the
// series' q bins, with the ice-ring positions that fall inside them. A configuration with very
// many bins is shown averaged down to MAX_DISPLAY_BINS (the numbers the screen gets are means
// of whole bins, never resampled), so a push stays small whatever the analysis uses.
import { iceRingSpacings } from '../../stages/analysis/IceRings.js';
import type { FrameResult } from '../../sinks/records.js';
import type { SeriesView } from '../dashboardMessages.js';

export const MAX_DISPLAY_BINS = 1024;

export class RadialPanel {
  /** Analysis bins per displayed bin. */
  private readonly group: number;
  private readonly q: number[];
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;
  private frames = 0;
  private current: (number | null)[] = [];
  private currentImage: number | null = null;
  private currentPath: FrameResult['path'] | null = null;
  private readonly iceRings: { dA: number; q: number }[];

  constructor(binCentresQ: number[]) {
    this.group = Math.max(1, Math.ceil(binCentresQ.length / MAX_DISPLAY_BINS));
    this.q = this.regroup(binCentresQ).map((v) => (v === null ? 0 : round6(v)));
    this.sums = new Float64Array(this.q.length);
    this.counts = new Uint32Array(this.q.length);
    this.iceRings = iceRingsWithin(binCentresQ);
  }

  add(result: FrameResult): void {
    if (result.radial.length === 0) return;
    // The result's own array when nothing is regrouped (results are not changed once made).
    this.current = this.group === 1 ? result.radial : this.regroup(result.radial);
    this.currentImage = result.frame;
    this.currentPath = result.path;
    // The good path sees every frame once; the fast path's sample would count some twice.
    if (result.path !== 'good') return;
    this.frames++;
    const n = Math.min(this.current.length, this.sums.length);
    for (let i = 0; i < n; i++) {
      const v = this.current[i];
      if (v === null || v === undefined) continue;
      this.sums[i]! += v;
      this.counts[i]!++;
    }
  }

  view(): SeriesView['radial'] {
    const accumulated: (number | null)[] = new Array(this.q.length);
    for (let i = 0; i < this.q.length; i++)
      accumulated[i] = this.counts[i]! > 0 ? round6(this.sums[i]! / this.counts[i]!) : null;
    return {
      q: this.q,
      current: this.current,
      currentImage: this.currentImage,
      currentPath: this.currentPath,
      accumulated,
      accumulatedFrames: this.frames,
      iceRings: this.iceRings,
    };
  }

  /** Means of `group` neighbouring bins (null bins left out; null when all are). */
  private regroup(values: readonly (number | null)[]): (number | null)[] {
    if (this.group === 1) return values.slice();
    const out: (number | null)[] = [];
    for (let i = 0; i < values.length; i += this.group) {
      let sum = 0;
      let n = 0;
      for (let k = i; k < Math.min(i + this.group, values.length); k++) {
        const v = values[k];
        if (v === null || v === undefined) continue;
        sum += v;
        n++;
      }
      out.push(n > 0 ? sum / n : null);
    }
    return out;
  }
}

/** Ice rings whose q lies within the profile's range (d = 2 pi / q). */
function iceRingsWithin(q: number[]): { dA: number; q: number }[] {
  if (q.length === 0) return [];
  const qMax = Math.max(...q.filter(Number.isFinite));
  const qMin = Math.min(...q.filter(Number.isFinite));
  if (!(qMax > 0)) return [];
  return iceRingSpacings((2 * Math.PI) / qMax)
    .map((d) => ({ dA: Math.round(d * 1000) / 1000, q: round6((2 * Math.PI) / d) }))
    .filter((r) => r.q >= qMin && r.q <= qMax);
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
