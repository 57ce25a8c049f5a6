// What the dashboard WebSocket (/ws) sends the browser: the pipeline aggregates and pushes at
// most 10 'state' messages a second, whatever the frame rate, plus a 'preview' when a new hit
// image is ready. Nothing per frame reaches the page except the frames it draws (the current
// radial profile, the latest hit). This file is the whole contract: the server and the page
// both import these types (type-only, so the page bundle carries none of the server's code).

/** The panels' red flags: what is wrong with the sample or the pipeline, not with one frame. */
export const SERIES_FLAGS = [
  'ice-rings',
  'multiple-lattices',
  'saturation',
  'hit-rate-collapsed',
  'diffraction-fading',
  'frames-lost',
  'good-path-behind',
] as const;
export type SeriesFlagName = (typeof SERIES_FLAGS)[number];

export interface SeriesFlag {
  flag: SeriesFlagName;
  /** Why, in words a beamline scientist reads at a glance ("ice rings on 31 of the last 50 frames"). */
  reason: string;
  /** When it was raised (ms since the epoch) and the image number that raised it. */
  since: number;
  sinceImage: number | null;
}

/** Values binned by image number: bin i covers images [i * binWidth, (i + 1) * binWidth).
 * The bin width doubles as a series grows, so a panel never holds more than MAX_IMAGE_BINS. */
export interface ImageBinned {
  binWidth: number;
  /** Per path, per bin: the mean over the frames of that bin the path analysed; null when none. */
  good: (number | null)[];
  fast: (number | null)[];
}

export const MAX_IMAGE_BINS = 1024;

export interface GridView {
  cols: number;
  rows: number;
  snaked: boolean;
  orientation: 'horizontal' | 'vertical';
  /** Step sizes in mm when the collection said them. */
  dxMm: number | null;
  dyMm: number | null;
  /** Row-major (rows x cols): spots found on the cell's image (the good path's count, else the
   * fast path's), null while not analysed. */
  spots: (number | null)[];
  /** Row-major: the image number of each cell (the scan's order, snake included). */
  images: number[];
  /** Row-major: the estimated resolution of each cell's image (A), null when none. */
  dMin: (number | null)[];
  /** The X-ray centring, once the scan is summarised: the centre of the crystal's region in
   * fractional cells (cell (c, r) spans [c, c+1) x [r, r+1)) and its extent, both ends included. */
  centring: {
    status: 'ok' | 'no-diffraction';
    centre: { col: number; row: number } | null;
    box: { minCol: number; minRow: number; maxCol: number; maxRow: number } | null;
    regionCells: number;
  } | null;
}

export interface SeriesView {
  /** The pipeline's number for the series start, and the detector's series id. */
  run: number;
  series: number;
  state: 'receiving' | 'draining' | 'ended';
  startedAt: number;
  endedAt: number | null;
  detector: string | null;
  width: number | null;
  height: number | null;
  numberOfImages: number | null;
  /** For resolution rings on the hit image; null without geometry. */
  geometry: {
    beamCenterX: number;
    beamCenterY: number;
    distanceM: number;
    wavelengthA: number;
    pixelSizeM: number;
    /** Resolution rings to draw on the hit image: radius in detector pixels from the beam centre. */
    resolutionRings: { dA: number; radiusPx: number }[];
  } | null;
  counts: {
    received: number;
    processedGood: number;
    processedFast: number;
    hitsGood: number;
    hitsFast: number;
    lost: number;
    lostReasons: Record<string, number>;
    skippedFast: number;
    skippedFastReasons: Record<string, number>;
    filesWritten: number;
  };
  /** Rolling hit rate (fraction of frames that are hits over the last HIT_RATE_WINDOW_S), sampled
   * once a second: t in seconds since the series started. */
  hitRate: { windowS: number; t: number[]; good: (number | null)[]; fast: (number | null)[] };
  spotsPerImage: ImageBinned;
  dMinPerImage: ImageBinned;
  radial: {
    /** Bin centres in q (1/A); d = 2 pi / q. */
    q: number[];
    /** The most recent frame's profile (either path), and which frame it is. */
    current: (number | null)[];
    currentImage: number | null;
    currentPath: 'good' | 'fast' | null;
    /** Mean over the good path's frames so far. */
    accumulated: (number | null)[];
    accumulatedFrames: number;
    /** Ice-ring positions within the q range, for marking. */
    iceRings: { dA: number; q: number }[];
  };
  separation: {
    /** Nearest-neighbour spot distances over the series' good-path frames, 1-px bins (the last
     * bin holds everything beyond). */
    counts: number[];
    /** Spots closer than this (px) count as "very close" for the multiple-lattice test. */
    closeRadiusPx: number;
  };
  /** The latest estimated resolution (A) and image, either path. */
  latestDMin: { dMin: number | null; image: number | null };
  grid: GridView | null;
  flags: SeriesFlag[];
}

export interface HealthView {
  /** Frames per second over the last second. */
  inputRate: number;
  processedRate: { good: number; fast: number };
  /** Frames the fast path skipped (sampling, busy...) since the pipeline started, by reason. */
  skippedFast: number;
  skippedFastReasons: Record<string, number>;
  goodQueue: { waiting: number; onDisk: number; spilledTotal: number; inFlight: number };
  workers: { good: number; fast: number };
  /** Now minus the arrival of the latest frame with a result, per path (ms), as OM shows it. */
  delayMs: { good: number | null; fast: number | null };
  filesWritten: number;
  /** Hits waiting for the hit-file writer; null when hit files are off. */
  hitFilesWaiting: number | null;
  dashboardClients: number;
}

export interface StateMessage {
  type: 'state';
  /** Increases by one per state built; a page can tell it missed some (conflation). */
  seq: number;
  /** Server time (ms since the epoch) the state was built. */
  now: number;
  /** The beamline set-up: the configuration's name. */
  setup: string;
  /** The series shown: the most recent one started, or null before any. */
  current: SeriesView | null;
  /** The last few series, newest first (the current one included), to look back at. */
  recent: { run: number; series: number; state: SeriesView['state']; startedAt: number; frames: number }[];
  health: HealthView;
}

/** The latest hit as an image: max-binned counts, so a spot stays visible when downsampled. */
export interface PreviewMessage {
  type: 'preview';
  run: number;
  series: number;
  image: number;
  path: 'good' | 'fast';
  nSpots: number;
  dMin: number | null;
  /** Detector pixels per preview pixel (in x and y). */
  bin: number;
  width: number;
  height: number;
  /** width x height little-endian uint16, base64: the bin's highest count; PREVIEW_MASKED where
   * every pixel of the bin is masked (gaps, dead pixels). */
  pixels: string;
  /** [x, y] in detector pixels (DIALS convention), as found on this frame. */
  spots: [number, number][];
}

export { PREVIEW_MASKED } from '../stages/analysis/FramePreview.js';

export type DashboardMessage = StateMessage | PreviewMessage;

/** A past series, as GET /api/series/RUN returns it: its last state. */
export type SeriesSnapshot = SeriesView;
