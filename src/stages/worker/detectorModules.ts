// The sensor modules of an EIGER / EIGER2 detector, from the image size alone (layouts in
// geometry/eigerModules.ts). peakfinder8 keeps each peak inside one module ("ASIC"), so a peak
// never grows across a gap.
import type { Rect } from '../analysis/Peakfinder8.js';
import { layoutOf } from '../geometry/eigerModules.js';

/** Module rectangles when the size matches a known layout; otherwise the whole frame as one. */
export function detectorModules(width: number, height: number): Rect[] {
  const found = layoutOf(width, height);
  if (!found) return [{ x0: 0, y0: 0, width, height }];
  const { layout: l, modulesX, modulesY } = found;
  const rects: Rect[] = [];
  for (let j = 0; j < modulesY; j++) {
    for (let i = 0; i < modulesX; i++) {
      rects.push({
        x0: i * (l.moduleWidth + l.gapColumns),
        y0: j * (l.moduleHeight + l.gapRows),
        width: l.moduleWidth,
        height: l.moduleHeight,
      });
    }
  }
  return rects;
}
