// The latest hit image of each of the last few series, so going back to a past series still
// shows its last hit (the server sends each image once, when it is new).
import type { PreviewMessage, SeriesView } from '../dashboardMessages.js';

const KEPT_SERIES = 8;

export class PreviewStore {
  private readonly byRun = new Map<number, PreviewMessage>();
  latest: PreviewMessage | null = null;

  put(preview: PreviewMessage): void {
    this.latest = preview;
    this.byRun.delete(preview.run);
    this.byRun.set(preview.run, preview);
    // A Map iterates in insertion order: the first key is the series heard from longest ago.
    if (this.byRun.size > KEPT_SERIES) this.byRun.delete(this.byRun.keys().next().value!);
  }

  of(series: SeriesView | null): PreviewMessage | null {
    const p = series ? this.byRun.get(series.run) : undefined;
    return p && p.series === series!.series ? p : null;
  }
}
