// Hand-built dashboard messages, shaped as the pipeline sends them: a serial-crystallography
// series part way through on an EIGER2 16M (2000 images, ice rings and split crystals flagged,
// a 10 x 8 grid scan with one hot cell), its latest hit as a preview with two spots, and a past
// series to look back at. Sizes can be raised to the largest the contract allows, for timing.
import type {
  GridView,
  ImageBinned,
  PreviewMessage,
  SeriesView,
  StateMessage,
} from '../../src/dashboard/dashboardMessages.js';
import { seededRandom } from './seededRandom.js';

export const SETUP = 'i24-serial-eiger2-16m';
export const NOW = Date.UTC(2025, 5, 14, 9, 41, 27);
export const DETECTOR = { width: 4148, height: 4362, pixelSizeM: 75e-6 } as const;
const BEAM = { x: 2074.5, y: 2181.2 };
const DISTANCE_M = 0.25;
const WAVELENGTH_A = 0.9763;
const TWO_PI = 2 * Math.PI;

/** The grid's hot cell and what it holds. */
export const HOT_CELL = { col: 6, row: 3, spots: 812 } as const;
/** The live series' run and series numbers; PAST_RUN is a series kept for looking back;
 * GONE_RUN is listed as recent but the server no longer has it. */
export const LIVE = { run: 7, series: 42 } as const;
export const PAST = { run: 6, series: 41 } as const;
export const GONE = { run: 5, series: 40 } as const;

export interface StateShape {
  seq: number;
  /** Bins of the image-binned panels and samples of the hit rate. */
  bins: number;
  radialBins: number;
  grid: { cols: number; rows: number } | null;
  /** Changes the values (not the shapes), as successive states do. */
  jitter: number;
}

export const REALISTIC: StateShape = { seq: 1, bins: 617, radialBins: 400, grid: { cols: 10, rows: 8 }, jitter: 0 };
/** The largest state the contract allows, for timing the page. */
export const LARGEST: StateShape = { seq: 1, bins: 1024, radialBins: 400, grid: { cols: 30, rows: 30 }, jitter: 0 };

export function stateMessage(shape: StateShape): StateMessage {
  const current = liveSeries(shape);
  return {
    type: 'state',
    seq: shape.seq,
    now: NOW + shape.seq * 100,
    setup: SETUP,
    current,
    recent: [
      { ...LIVE, state: 'receiving', startedAt: current.startedAt, frames: current.counts.received },
      { ...PAST, state: 'ended', startedAt: NOW - 900_000, frames: 1800 },
      { ...GONE, state: 'ended', startedAt: NOW - 1_800_000, frames: 600 },
    ],
    health: {
      inputRate: 98.7 + shape.jitter,
      processedRate: { good: 95.2, fast: 33.1 },
      skippedFast: 5210,
      skippedFastReasons: { sampling: 5100, busy: 110 },
      goodQueue: { waiting: 12, onDisk: 0, spilledTotal: 0, inFlight: 4 },
      workers: { good: 4, fast: 2 },
      delayMs: { good: 870, fast: 120 },
      filesWritten: 14,
      hitFilesWaiting: 3,
      dashboardClients: 1,
    },
  };
}

function liveSeries(shape: StateShape): SeriesView {
  const random = seededRandom(1000 + shape.seq);
  const binWidth = 2;
  const received = Math.min(2000, shape.bins * binWidth);
  return {
    ...LIVE,
    state: 'receiving',
    startedAt: NOW - 125_000,
    endedAt: null,
    detector: 'EIGER2 XE 16M',
    width: DETECTOR.width,
    height: DETECTOR.height,
    numberOfImages: Math.max(2000, received),
    geometry: geometry(),
    counts: {
      received,
      processedGood: received - 54,
      processedFast: 400,
      hitsGood: 380,
      hitsFast: 130,
      lost: 3,
      lostReasons: { 'worker-died': 3 },
      skippedFast: 834,
      skippedFastReasons: { sampling: 800, busy: 34 },
      filesWritten: 2,
    },
    hitRate: hitRate(shape.bins, random),
    spotsPerImage: binned(shape.bins, binWidth, random, (i) => 40 + 30 * Math.sin(i / 40) + shape.jitter),
    dMinPerImage: binned(shape.bins, binWidth, random, (i) => 2.2 + 0.4 * Math.cos(i / 60)),
    radial: radial(shape.radialBins, random, shape.jitter),
    separation: { counts: separation(60), closeRadiusPx: 3 },
    latestDMin: { dMin: 2.08, image: received - 1 },
    grid: shape.grid ? grid(shape.grid.cols, shape.grid.rows, random) : null,
    flags: [
      {
        flag: 'ice-rings',
        reason: 'ice rings on 31 of the last 50 frames',
        since: NOW - 40_000,
        sinceImage: 812,
      },
      {
        flag: 'multiple-lattices',
        reason: 'very close spot pairs on 12 % of hits: split crystals or more than one lattice',
        since: NOW - 12_000,
        sinceImage: 1105,
      },
    ],
  };
}

/** A past series as /api/series/RUN returns it: ended, no grid, nothing flagged. */
export function pastSeries(): SeriesView {
  const random = seededRandom(77);
  return {
    ...PAST,
    state: 'ended',
    startedAt: NOW - 900_000,
    endedAt: NOW - 880_000,
    detector: 'EIGER2 XE 16M',
    width: DETECTOR.width,
    height: DETECTOR.height,
    numberOfImages: 1800,
    geometry: geometry(),
    counts: {
      received: 1800,
      processedGood: 1800,
      processedFast: 610,
      hitsGood: 95,
      hitsFast: 30,
      lost: 0,
      lostReasons: {},
      skippedFast: 1190,
      skippedFastReasons: { sampling: 1190 },
      filesWritten: 1,
    },
    hitRate: hitRate(20, random),
    spotsPerImage: binned(900, 2, random, (i) => 12 + 5 * Math.sin(i / 90)),
    dMinPerImage: binned(900, 2, random, () => 3.1),
    radial: radial(400, random, 0),
    separation: { counts: separation(60), closeRadiusPx: 3 },
    latestDMin: { dMin: 3.05, image: 1799 },
    grid: null,
    flags: [],
  };
}

function geometry(): NonNullable<SeriesView['geometry']> {
  const ring = (dA: number) => {
    const twoTheta = 2 * Math.asin(WAVELENGTH_A / (2 * dA));
    return { dA, radiusPx: (DISTANCE_M * Math.tan(twoTheta)) / DETECTOR.pixelSizeM };
  };
  return {
    beamCenterX: BEAM.x,
    beamCenterY: BEAM.y,
    distanceM: DISTANCE_M,
    wavelengthA: WAVELENGTH_A,
    pixelSizeM: DETECTOR.pixelSizeM,
    resolutionRings: [4, 3, 2.5, 2, 1.6].map(ring),
  };
}

/** Sampled once a second; the first seconds have no value yet (the window is not full). */
function hitRate(samples: number, random: () => number): SeriesView['hitRate'] {
  const t = Array.from({ length: samples }, (_, i) => i);
  const good = t.map((i) => (i < 3 ? null : round(0.3 + 0.05 * Math.sin(i / 9) + 0.02 * random(), 4)));
  const fast = t.map((i) => (i < 3 ? null : round(0.28 + 0.05 * Math.sin(i / 9) + 0.04 * random(), 4)));
  return { windowS: 10, t, good, fast };
}

/** The good path sees every frame; the fast path samples, so most of its bins are empty. */
function binned(bins: number, binWidth: number, random: () => number, f: (i: number) => number): ImageBinned {
  const good = Array.from({ length: bins }, (_, i) => round(f(i) * (0.9 + 0.2 * random()), 3));
  const fast = good.map((g) => (random() < 0.35 ? round(g * (0.85 + 0.3 * random()), 3) : null));
  return { binWidth, good, fast };
}

/** A protein ring of scattering at low q and ice rings on the current frame, weaker on the mean. */
function radial(bins: number, random: () => number, jitter: number): SeriesView['radial'] {
  const q = Array.from({ length: bins }, (_, i) => round(0.05 + (i * 3.2) / bins, 5));
  const iceDs = [3.897, 3.669, 3.441, 2.671, 2.249, 2.072, 1.948, 1.918, 1.883, 1.721];
  const iceRings = iceDs.map((dA) => ({ dA, q: round(TWO_PI / dA, 5) })).filter((r) => r.q <= q[q.length - 1]!);
  const peak = (x: number, at: number, w: number) => Math.exp(-(((x - at) / w) ** 2));
  const background = (x: number) => 40 * Math.exp(-x / 0.9) + 6 + 10 * peak(x, 1.4, 0.35);
  const ice = (x: number) => iceRings.reduce((s, r) => s + 25 * peak(x, r.q, 0.015), 0);
  const current = q.map((x) => (x < 0.08 ? null : round(background(x) + ice(x) + 2 * random() + jitter, 2)));
  const accumulated = q.map((x) => (x < 0.08 ? null : round(background(x) + 0.3 * ice(x), 2)));
  return { q, current, currentImage: 1187, currentPath: 'good', accumulated, accumulatedFrames: 1180, iceRings };
}

/** Nearest-neighbour distances: most spots 5-30 px apart, a shoulder below 3 px (split spots). */
function separation(bins: number): number[] {
  return Array.from({ length: bins }, (_, i) =>
    Math.round(i === 0 ? 0 : i < 3 ? 90 : 400 * Math.exp(-(((i - 12) / 7) ** 2)) + (i === bins - 1 ? 35 : 0)),
  );
}

/** A snaked horizontal scan: even rows left to right, odd rows right to left. The last cells
 * are not analysed yet; the crystal sits round the hot cell. */
function grid(cols: number, rows: number, random: () => number): GridView {
  const n = cols * rows;
  const images = Array.from({ length: n }, (_, i) => {
    const row = Math.floor(i / cols);
    const col = i % cols;
    return row * cols + (row % 2 === 0 ? col : cols - 1 - col);
  });
  const analysed = n - Math.ceil(n / 12);
  const spots = images.map((image, i) => {
    if (image >= analysed) return null;
    const dc = (i % cols) - HOT_CELL.col;
    const dr = Math.floor(i / cols) - HOT_CELL.row;
    if (dc === 0 && dr === 0) return HOT_CELL.spots;
    return Math.round(500 * Math.exp(-(dc * dc + dr * dr) / 6) * (0.6 + 0.3 * random()) + 10 * random());
  });
  const dMin = spots.map((s) => (s === null || s < 20 ? null : round(1.8 + 120 / s, 2)));
  return {
    cols,
    rows,
    snaked: true,
    orientation: 'horizontal',
    dxMm: 0.02,
    dyMm: 0.02,
    spots,
    images,
    dMin,
    centring: null,
  };
}

/** Where the two spots of the preview are, in detector pixels (DIALS convention). */
export const PREVIEW_SPOTS: [number, number][] = [
  [1400.4, 1510.7],
  [2655.2, 3004.1],
];
export const PREVIEW_BIN = 11;
/** A masked preview pixel (the gap between the first two module rows, detector y 512..550),
 * between the resolution rings so nothing is drawn over it. */
export const PREVIEW_GAP_PIXEL = { x: 188, y: 48 } as const;

/** The latest hit, max-binned like the workers make it: a weak background, module gaps masked,
 * two bright spots. `size` overrides the preview's own size (for timing, 400 x 400). */
export function previewMessage(size?: { width: number; height: number }, image = 1187): PreviewMessage {
  const bin = PREVIEW_BIN;
  const width = size?.width ?? Math.ceil(DETECTOR.width / bin);
  const height = size?.height ?? Math.ceil(DETECTOR.height / bin);
  const random = seededRandom(image);
  const px = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // The bin's highest count: a few over a low background, more near the beam and on the
      // solvent ring (about 3.2 A, 96 preview pixels out).
      const r = Math.hypot(x - BEAM.x / bin, y - BEAM.y / bin);
      const solvent = 4 * Math.exp(-(((r - 96) / 14) ** 2));
      px[y * width + x] = Math.round(2 + 3 * random() + 30 * Math.exp(-r / 12) + solvent);
    }
  }
  // EIGER2 16M: modules 1028 px wide with 12-px gaps, 512 px tall with 38-px gaps; a bin with
  // only gap pixels in it is masked.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (inGap(x * bin, (x + 1) * bin, 1028, 12) || inGap(y * bin, (y + 1) * bin, 512, 38)) {
        px[y * width + x] = 0xffff;
      }
    }
  }
  for (const [x, y] of PREVIEW_SPOTS) {
    const i = Math.floor(y / bin) * width + Math.floor(x / bin);
    if (i < px.length) px[i] = 40_000;
  }
  const bytes = Buffer.alloc(px.length * 2);
  px.forEach((v, i) => bytes.writeUInt16LE(v, 2 * i));
  return {
    type: 'preview',
    ...LIVE,
    image,
    path: 'good',
    nSpots: PREVIEW_SPOTS.length,
    dMin: 2.31,
    bin,
    width,
    height,
    pixels: bytes.toString('base64'),
    spots: PREVIEW_SPOTS,
  };
}

/** Whether [from, to) lies wholly inside one of the gaps after each `module` px. */
function inGap(from: number, to: number, module: number, gap: number): boolean {
  const period = module + gap;
  const start = Math.floor(from / period) * period + module;
  return from >= start && to <= start + gap;
}

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}
