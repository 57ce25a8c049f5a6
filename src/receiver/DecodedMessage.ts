// What one stream message turned into, before the series state machine orders the events.
import type { Frame, SeriesStart } from './events.js';
import type { StreamError } from './StreamError.js';

export type DecodedMessage =
  /** A header. `warnings` are problems that dropped part of it (e.g. an unusable mask) but not all of it. */
  | { kind: 'start'; start: SeriesStart; warnings: StreamError[] }
  /** One image: one Frame per channel, already checked against the open series. `warnings`:
   * channels that could not be used, dropped while the image's other channels were kept. */
  | { kind: 'image'; frames: Frame[]; warnings?: StreamError[] }
  /** End of the open series (already checked against it). */
  | { kind: 'end'; series: number };
