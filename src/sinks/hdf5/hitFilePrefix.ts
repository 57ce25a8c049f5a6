// The file-name prefix of a series' hit files: the configured prefix (or the set-up's name)
// and the detector's series id, in characters safe in any file name. The writer adds _2, _3...
// when files of that prefix exist already, so a re-run never overwrites.
import type { SeriesStart } from '../../receiver/events.js';

export function hitFilePrefix(base: string, start: Pick<SeriesStart, 'series'>): string {
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'series';
  return `${safe}_${start.series}`;
}
