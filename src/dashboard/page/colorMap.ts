// Colour scales as 256-entry tables of packed RGBA (little-endian, as ImageData's bytes read
// through a Uint32Array), built once from a few anchor colours.
//
// SPOTS: a perceptually even dark-violet → teal → yellow ramp (anchors sampled from viridis),
// so equal steps in spot count look like equal steps, also to colour-blind readers.
// COUNTS: black → red → yellow → white, for detector counts: weak background stays dark, spots
// burn white, and it has no grey in it, so the neutral gap colour cannot be mistaken for data.

type Rgb = readonly [number, number, number];

const SPOTS_ANCHORS: Rgb[] = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
];

// Dark through its lower half: max-binned background sits there, so spots stand out against it.
const COUNTS_ANCHORS: Rgb[] = [
  [0, 0, 0],
  [50, 0, 0],
  [120, 15, 0],
  [190, 45, 0],
  [240, 120, 0],
  [255, 210, 70],
  [255, 255, 255],
];

/** Gaps between modules and masked pixels on the hit image. */
export const GAP_RGB: Rgb = [96, 104, 120];

export const SPOTS = table(SPOTS_ANCHORS);
export const COUNTS = table(COUNTS_ANCHORS);

export function pack([r, g, b]: Rgb): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** A table's entries as CSS colours, for canvas fills (made once, not per cell and update). */
export function cssColors(lut: Uint32Array): string[] {
  return Array.from(lut, (v) => `rgb(${v & 255}, ${(v >>> 8) & 255}, ${(v >>> 16) & 255})`);
}

export function index(t: number): number {
  return t <= 0 ? 0 : t >= 1 ? 255 : Math.round(t * 255);
}

function table(anchors: Rgb[]): Uint32Array {
  const lut = new Uint32Array(256);
  const segments = anchors.length - 1;
  for (let i = 0; i < 256; i++) {
    const pos = (i / 255) * segments;
    const k = Math.min(segments - 1, Math.floor(pos));
    const f = pos - k;
    const a = anchors[k]!;
    const b = anchors[k + 1]!;
    lut[i] = pack([mix(a[0], b[0], f), mix(a[1], b[1], f), mix(a[2], b[2], f)]);
  }
  return lut;
}

function mix(a: number, b: number, f: number): number {
  return Math.round(a + (b - a) * f);
}
