// The sensor modules of an EIGER / EIGER2 detector, from the image size alone: modules of
// 1030x514 (EIGER) or 1028x512 (EIGER2) pixels separated by fixed gaps. peakfinder8 keeps each
// peak inside one module ("ASIC"), so a peak never grows across a gap.
import type { Rect } from '../analysis/Peakfinder8.js';

const LAYOUTS = [
  { name: 'EIGER2', moduleW: 1028, moduleH: 512, gapX: 12, gapY: 38 },
  { name: 'EIGER', moduleW: 1030, moduleH: 514, gapX: 10, gapY: 37 },
];

/** Module rectangles when the size matches a known layout; otherwise the whole frame as one. */
export function detectorModules(width: number, height: number): Rect[] {
  for (const l of LAYOUTS) {
    const nx = (width + l.gapX) / (l.moduleW + l.gapX);
    const ny = (height + l.gapY) / (l.moduleH + l.gapY);
    if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1) continue;
    const rects: Rect[] = [];
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        rects.push({ x0: i * (l.moduleW + l.gapX), y0: j * (l.moduleH + l.gapY), width: l.moduleW, height: l.moduleH });
      }
    }
    return rects;
  }
  return [{ x0: 0, y0: 0, width, height }];
}
