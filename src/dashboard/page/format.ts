// How numbers read on the wall screen: few digits, units always said, a dash for "not known"
// (never "null", "NaN" or an empty cell a reader could take for zero).

export const NONE = '—';

export function count(n: number | null | undefined): string {
  return n == null ? NONE : Math.round(n).toLocaleString('en-US');
}

/** Frames per second, one decimal below 100 where the difference still matters. */
export function rate(hz: number | null | undefined): string {
  if (hz == null) return NONE;
  return `${hz < 100 ? hz.toFixed(1) : Math.round(hz).toLocaleString('en-US')} Hz`;
}

/** A fraction (0..1) as a percentage. */
export function percent(fraction: number | null | undefined, digits = 1): string {
  return fraction == null ? NONE : `${(fraction * 100).toFixed(digits)} %`;
}

export function angstrom(dA: number | null | undefined): string {
  return dA == null ? NONE : `${dA.toFixed(dA < 10 ? 2 : 1)} Å`;
}

/** A ring's label on the hit image: one decimal is what a scientist reads off a ring. */
export function ringLabel(dA: number): string {
  return `${dA.toFixed(1)} Å`;
}

export function seconds(ms: number | null | undefined): string {
  return ms == null ? NONE : `${(ms / 1000).toFixed(1)} s`;
}

/** Wall-clock time of the browser's zone, hh:mm:ss (24 h): what the control-room clock shows. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** "busy 3, sampling 1200", largest first; a dash when there is nothing to explain. */
export function reasons(byReason: Record<string, number>): string {
  const parts = Object.entries(byReason)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ${count(n)}`);
  return parts.length === 0 ? NONE : parts.join(', ');
}

/** An image number is a name, not a quantity: no thousands separator. */
export function imageNo(n: number | null | undefined): string {
  return n == null ? NONE : String(n);
}
