import type { SeriesView } from '../dashboardMessages.js';

/** A panel showing one series: the live one, or a past one the scientist chose. null before any. */
export interface SeriesPanel {
  apply(series: SeriesView | null): void;
}

/** The last value that is not null: "now" on a plot whose newest samples may be missing. */
export function lastValue(values: readonly (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v != null) return v;
  }
  return null;
}
