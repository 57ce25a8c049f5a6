// Which series the panels show: the live one, or a past one the scientist picked from the recent
// list, fetched once from /api/series/RUN (a past series no longer changes). Live data keeps
// arriving meanwhile, for the header and the health panel, and live view resumes on demand.
import type { SeriesSnapshot, SeriesView } from '../dashboardMessages.js';

export type Viewing =
  { kind: 'live' } | { kind: 'loading'; run: number } | { kind: 'past'; run: number; snapshot: SeriesSnapshot };

export class SeriesSelection {
  viewing: Viewing = { kind: 'live' };
  /** Why the last choice could not be shown (gone, unreachable), until the next choice. */
  notice: string | null = null;
  private request = 0;

  constructor(private readonly changed: () => void) {}

  /** The series the panels show. While a past one loads, the live one stays up. */
  shown(current: SeriesView | null): SeriesView | null {
    return this.viewing.kind === 'past' ? this.viewing.snapshot : current;
  }

  live(): void {
    this.request++;
    this.viewing = { kind: 'live' };
    this.notice = null;
    this.changed();
  }

  private notify(notice: string): void {
    this.notice = notice;
    setTimeout(() => {
      if (this.notice !== notice) return;
      this.notice = null;
      this.changed();
    }, NOTICE_MS);
  }

  async choose(run: number, currentRun: number | null): Promise<void> {
    if (run === currentRun) return this.live();
    const request = ++this.request;
    this.viewing = { kind: 'loading', run };
    this.notice = null;
    this.changed();
    const outcome = await fetchSeries(run);
    // A later choice (or "back to live") wins over an answer that came late.
    if (request !== this.request) return;
    if (typeof outcome === 'string') {
      this.viewing = { kind: 'live' };
      this.notify(outcome);
    } else this.viewing = { kind: 'past', run, snapshot: outcome };
    this.changed();
  }
}

/** How long a notice stays up: long enough to read from across the room, then out of the way. */
const NOTICE_MS = 15_000;

async function fetchSeries(run: number): Promise<SeriesSnapshot | string> {
  try {
    const res = await fetch(`api/series/${run}`, { cache: 'no-store', headers: { accept: 'application/json' } });
    if (res.status === 404) return `run ${run} is no longer kept by the pipeline`;
    if (!res.ok) return `could not load run ${run} (HTTP ${res.status})`;
    return (await res.json()) as SeriesSnapshot;
  } catch {
    return `could not load run ${run}: the pipeline did not answer`;
  }
}
