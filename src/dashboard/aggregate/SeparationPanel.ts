// The spot-separation panel: nearest-neighbour spot distances summed over the series' good-path
// frames (each frame's 1-px histogram, as the analysis made it), and the distance under which
// two spots count as "very close" in the multiple-lattice test.
import { DEFAULT_CLOSE_RADIUS_PX } from '../../stages/analysis/SpotSeparation.js';
import type { FrameResult } from '../../sinks/records.js';
import type { SeriesView } from '../dashboardMessages.js';

export class SeparationPanel {
  private counts: number[] = [];

  add(result: FrameResult): void {
    if (result.path !== 'good') return;
    const h = result.separation;
    if (h.length > this.counts.length) this.counts.push(...new Array<number>(h.length - this.counts.length).fill(0));
    for (let i = 0; i < h.length; i++) this.counts[i]! += h[i]!;
  }

  view(): SeriesView['separation'] {
    return { counts: this.counts.slice(), closeRadiusPx: DEFAULT_CLOSE_RADIUS_PX };
  }
}
