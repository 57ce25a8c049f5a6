// How often the fast path asks a worker for a picture of a hit (the screen's latest hit image):
// twice a second while a page is watching, every few seconds otherwise (so a page that
// connects has a recent one at once). A request costs nothing unless the frame is a hit; the
// requests in flight when one is answered are the only pictures made beyond the rate.
const WATCHED_INTERVAL_MS = 500;
const UNWATCHED_INTERVAL_MS = 5000;

export class PreviewRequests {
  private lastPreviewAt = -Infinity;

  constructor(
    private readonly watchers: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  wanted(): boolean {
    const interval = this.watchers() > 0 ? WATCHED_INTERVAL_MS : UNWATCHED_INTERVAL_MS;
    return this.now() - this.lastPreviewAt >= interval;
  }

  /** A preview arrived. */
  received(): void {
    this.lastPreviewAt = this.now();
  }
}
