// Matching two spot lists by position: the fraction of `a` that has a spot of `b` within `radius` px.
export interface XY { x: number; y: number }

export function matchedFraction(a: readonly XY[], b: readonly XY[], radius: number): number {
  if (a.length === 0) return 1;
  const cell = Math.max(radius, 1);
  const grid = new Map<string, XY[]>();
  for (const p of b) {
    const key = `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`;
    const list = grid.get(key);
    if (list) list.push(p);
    else grid.set(key, [p]);
  }
  let matched = 0;
  for (const p of a) {
    const cx = Math.floor(p.x / cell), cy = Math.floor(p.y / cell);
    let found = false;
    for (let dy = -1; dy <= 1 && !found; dy++) {
      for (let dx = -1; dx <= 1 && !found; dx++) {
        for (const q of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (Math.hypot(q.x - p.x, q.y - p.y) <= radius) { found = true; break; }
        }
      }
    }
    if (found) matched++;
  }
  return matched / a.length;
}
