// The file-name prefix of a series' hit files: the configured prefix as it is (the writer
// refuses one it cannot use, naming it), or else the set-up's name and the detector's series id
// in characters safe in any file name. The writer
// adds _2, _3... when files of that prefix exist already, so a re-run never overwrites.
import type { SeriesStart } from '../../receiver/events.js';

export function hitFilePrefix(prefix: string | null, name: string, start: Pick<SeriesStart, 'series'>): string {
  return prefix !== null ? prefix : `${safe(name)}_${start.series}`;
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'series';
}
