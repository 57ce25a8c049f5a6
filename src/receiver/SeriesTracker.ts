// The series state machine shared by V1 and V2: at most one open series; images and ends must
// name it; a new header while a series is open closes the old one as incomplete.
import type { SeriesEnd, SeriesStart } from './events.js';
import { StreamError } from './StreamError.js';

export interface OpenSeries {
  readonly start: SeriesStart;
  framesReceived: number;
  /** V1 only: the dconfig clock, fixed at the first image of the series (see v1/dconfigClock.ts). */
  v1Clock: { secondsPerTick: number | null; originTicks: number } | null;
}

export class SeriesTracker {
  private current: OpenSeries | null = null;

  get open(): OpenSeries | null {
    return this.current;
  }

  /** Opens `start`; returns the SeriesEnd of a series it cuts short, if any. */
  begin(start: SeriesStart): SeriesEnd | null {
    const cut = this.current
      ? this.endEvent(
          false,
          `new series ${start.series} started (header received) before the end of series ${this.current.start.series}`,
          start.receivedAt,
        )
      : null;
    this.current = { start, framesReceived: 0, v1Clock: null };
    return cut;
  }

  /** The open series an image or end message belongs to; throws when there is none or it differs. */
  require(kind: 'image' | 'end', series: number, uniqueId: string | null): OpenSeries {
    const open = this.current;
    if (!open) {
      throw new StreamError(
        'image-before-header',
        `${kind} message for series ${series} arrived while no series is open (no header received: is another reader connected to the detector? A PUSH socket deals its messages out among all its readers)`,
        {
          series,
        },
      );
    }
    const expected = open.start;
    if (series !== expected.series) {
      throw new StreamError(
        'wrong-series',
        `${kind} message names series ${series} but the open series is ${expected.series}`,
        {
          series,
          openSeries: expected.series,
        },
      );
    }
    if (uniqueId !== null && expected.seriesUniqueId !== null && uniqueId !== expected.seriesUniqueId) {
      throw new StreamError(
        'wrong-series',
        `${kind} message names series_unique_id ${uniqueId} but the open series has ${expected.seriesUniqueId}`,
        { series, seriesUniqueId: uniqueId, openSeriesUniqueId: expected.seriesUniqueId },
      );
    }
    return open;
  }

  /** Closes the open series after its end message (call `require('end', ...)` first). */
  finish(receivedAt: number): SeriesEnd {
    const end = this.endEvent(true, null, receivedAt);
    this.current = null;
    return end;
  }

  /** Closes the open series as incomplete (receiver stopping); null when none is open. */
  abandon(reason: string, receivedAt: number): SeriesEnd | null {
    if (!this.current) return null;
    const end = this.endEvent(false, reason, receivedAt);
    this.current = null;
    return end;
  }

  private endEvent(complete: boolean, reason: string | null, receivedAt: number): SeriesEnd {
    const open = this.current!;
    return {
      type: 'series-end',
      series: open.start.series,
      seriesUniqueId: open.start.seriesUniqueId,
      complete,
      reason,
      framesReceived: open.framesReceived,
      receivedAt,
    };
  }
}
