// The pipeline's output vocabulary: the records it writes (results file, the /ws/records feed), the
// reasons it gives for frames it lost or skipped, and the /status snapshot. Every consumer of
// results reads these types; field names follow DIALS's per-image analysis where one exists.
import type { ReceiverStats } from '../receiver/ReceiverStats.js';
import type { RatesSnapshot } from '../stages/PoolScaler.js';
import type { HttpCounters } from '../dashboard/httpLimits.js';
import type { ZocaloCounters } from './zocalo/ZocaloSink.js';
import type { GridScanFields } from '../stages/grid/gridScan.js';
import type { JournalCounters } from '../stages/journal/GoodJournal.js';

/** The two analysis paths: fast (lossy, live feedback) and good (every frame, exactly once). */
export type PoolPath = 'fast' | 'good';

/** What a worker may answer when it could not process a task (a metric label and lost reason);
 * 'bad-result' is the pipeline's word for a result it could not accept. */
export const FAILURE_CODES = [
  'decode-failed',
  'analysis-failed',
  'setup-failed',
  'no-setup',
  'no-data',
  'bad-result',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Why the good path lost a frame: a summary's lost_reasons keys, and the metric's labels. */
export const LOST_REASONS = [
  ...FAILURE_CODES,
  'spill-failed', //           memory full and the disk refused the frame
  'spill-unreadable', //       spilled, and could not be read back
  'worker-died', //            three worker processes crashed (exited) holding it; silence never counts
  'failed-on-every-worker', // every worker there was failed it
  'setup-missing', //          its series' set-up was gone
  'never-received', //         announced by the series start, never arrived
  'pipeline-stopped', //       the pipeline stopped before it was processed
  'pipeline-restart', //       the pipeline died while the series ran: not received by it, or not finished
] as const;
export type LostReason = (typeof LOST_REASONS)[number];

/** Why a frame due in the hit files (a hit, or any frame with hits_only off) was not written. */
export const NOT_WRITTEN_REASONS = [
  'no-geometry', //       the series start lacks what an NXmx file needs (beam centre, distance...)
  'bad-frame', //         its bytes could not be made a chunk of the series (wrong size, did not decode)
  'write-failed', //      the file system or HDF5 refused (full disk, vanished directory): logged with the path
  'writer-died', //       the writer process died holding it
  'spill-failed', //      the writer was behind, memory was full, and the disk refused it
  'spill-unreadable', //  spilled while the writer was behind, and could not be read back
  'pipeline-stopped', //  the pipeline stopped before it was written
] as const;
export type NotWrittenReason = (typeof NOT_WRITTEN_REASONS)[number];

/** Why the fast path did not analyse a frame. */
export const SKIP_REASONS = [
  'sampled-out', // the fast path's sampling (every n-th frame, a fraction) passed it over
  'busy', //        workers ready for its series, none with credit to spare
  'setting-up', //  no worker had its series' set-up ready yet
  'no-workers', //  no fast worker was connected
  'worker-lost', // the worker it was sent to went away before answering
  ...FAILURE_CODES.map((c) => `failed-${c}` as const), // the worker's failure code
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** The red flags a frame result may carry, and nothing else. */
export const FRAME_FLAGS = [
  'ice-rings',
  'multiple-lattices',
  'saturation',
  'spot-list-truncated',
  'no-geometry',
] as const;
export type FrameFlag = (typeof FRAME_FLAGS)[number];

/** Bounds of a result's arrays: what the analysis can produce (the spot table's capacity, the
 * most radial bins the configuration allows, the longest separation histogram), so anything
 * larger is not a real result. */
export const RESULT_LIMITS = {
  spots: 20_000,
  radialBins: 65_535,
  separationBins: 4_096,
} as const;

export interface FrameResult {
  /** The pipeline's number for the series start (internal; a detector may reuse series ids). */
  run: number;
  series: number;
  frame: number;
  path: PoolPath;
  n_spots: number;
  n_spots_no_ice: number;
  n_spots_4A: number;
  hit: boolean;
  /** Estimated resolution limit in angstrom; null with too few spots. */
  d_min: number | null;
  total_intensity: number;
  saturated_pixels: number;
  background: number;
  /** [x, y, intensity] per spot, DIALS pixel convention. */
  spots: [number, number, number][];
  /** Mean intensity per radial bin (bins announced in the series record); null for empty bins. */
  radial: (number | null)[];
  /** Nearest-neighbour spot distance histogram (counts per 1-px bin). */
  separation: number[];
  /** Red flags (FRAME_FLAGS). */
  flags: FrameFlag[];
  /** Milliseconds the worker spent: decoding, analysing, in all from taking the task off its socket;
   * and how long it had waited since its previous task (a starved worker waits). */
  timing: { decode: number; analysis: number; total: number; wait: number };
  receivedAt: number;
  /** A small image of the frame, when the pipeline asked for one and the frame is a hit (the
   * live-feedback screen's latest hit; never written to files). */
  preview?: FramePreview;
}

/** A max-binned image of a frame (see stages/analysis/FramePreview). */
export interface FramePreview {
  /** Detector pixels per preview pixel, in x and y. */
  bin: number;
  width: number;
  height: number;
  /** width x height uint16, little-endian. */
  pixels: Uint8Array;
}

/** A hit file (or the master, or the CrystFEL geometry beside it) is complete under its final name. */
export interface FileRecord {
  type: 'file';
  kind: 'data' | 'master' | 'geometry';
  series: number;
  path: string;
  /** Frames the file holds (the master: all of the series'). */
  frames: number;
  /** The detector's 0-based image numbers of its first and last frame; null when it holds none. */
  first_image: number | null;
  last_image: number | null;
}

/** What the hit files of a series hold, in its summary. */
export interface HitFilesSummary {
  /** The master file, or null when none was written. */
  master: string | null;
  hits_only: boolean;
  /** Frames written, and of those the hits. */
  frames_written: number;
  hits_written: number;
  /** Frames due (hits, or all with hits_only off) that were not written, total and by reason. */
  not_written: number;
  not_written_reasons: Partial<Record<NotWrittenReason, number>>;
  files: string[];
}

/** The series record: one per series start. */
export interface SeriesRecord {
  type: 'series';
  series: number;
  series_unique_id: string | null;
  detector: string | null;
  /** null when the detector did not announce them (V1 header_detail "none"). */
  width: number | null;
  height: number | null;
  dtype: string | null;
  beam_center_x: number | null;
  beam_center_y: number | null;
  distance_m: number | null;
  wavelength_a: number | null;
  pixel_size_m: number | null;
  number_of_images: number | null;
  /** Radial bin centres in q (1/angstrom), matching each frame record's `radial`. */
  radial_q: number[];
  /** The grid scan the series is (image i is one cell): as its header described it, else as
   * configured (detector.grid_scan); null when it is no grid scan. */
  grid_scan: GridScanFields | null;
  /** Present (true) on the record a restarted pipeline writes when it takes up a series it had
   * open when it died; the frames before it are those of its earlier life. */
  resumed?: boolean;
}

export interface SeriesSummary {
  type: 'summary';
  series: number;
  complete: boolean;
  /** Images analysed are those of the series' first channel; frames of further channels are counted here. */
  frames_other_channels: number;
  received: number;
  /** Frames sent again under an image number already received: counted here only. */
  repeated_frames: number;
  processed: number;
  /** Frames the fast path did not look at: sampled out, or every fast worker busy. */
  skipped_fast: number;
  skipped_fast_reasons: Record<string, number>;
  processed_fast: number;
  /** Good-path frames not processed, total and by reason (with 'never-received'). */
  lost: number;
  lost_reasons: Record<string, number>;
  /** Image numbers announced (0 .. number_of_images-1) that never arrived, as ranges ("3-5,9"),
   * cut after MAX_RANGES ranges; "" when none. */
  never_received_images: string;
  /** Set when the pipeline died while the series ran and took it up again after its restart:
   * the image numbers with no good-path result from either life (never received, or lost in
   * the crash), as ranges like never_received_images; counted under 'pipeline-restart'. */
  restart?: { restarts: number; lost_images: string };
  duplicates_dropped: number;
  hits: number;
  hit_rate: number;
  /** Arrival -> result latency percentiles, ms, per path. */
  latency_ms: { good: { p50: number | null; p99: number | null }; fast: { p50: number | null; p99: number | null } };
  /** Results per second on each path, from its first to its last result of the series. */
  rate_fps: { good: number | null; fast: number | null };
  /** The hit files (outputs.hdf5); null when they are off. */
  hit_files: HitFilesSummary | null;
  started_at: string;
  ended_at: string;
}

/** The /status snapshot: queues, workers, rates, and what strangers tried. */
export interface PipelineStatus {
  name: string;
  workerEndpoint: string;
  /** Series set-ups held (runs whose good-path work goes on). */
  setups: number;
  eventErrors: number;
  lateResults: number;
  imagesNeverReceived: number;
  badWorkerMessages: number;
  badWorkerResults: number;
  refusedWorkerConnections: number;
  /** Workers that joined without the shared memory they wanted (/dev/shm full): their frames go
   * over the socket. */
  workersWithoutSharedMemory: number;
  /** Liveness pulses from the workers' pulse threads, and those of memberships already ended. */
  pulses: { kept: number; stale: number };
  workersTimedOut: number;
  tasksSent: { sharedMemory: number; socket: number };
  receiver: ReturnType<ReceiverStats['snapshot']> | null;
  good: {
    waiting: number;
    waitingOnDisk: number;
    spilledTotal: number;
    /** Frames kept in memory beyond the budget because the disk refused them. */
    keptOverBudget: number;
    /** Times reception waited for the spill's disk, more than its write buffer behind. */
    receptionWaitsForDisk: number;
    inFlight: number;
    workers: number;
    redelivered: number;
    duplicates: number;
    failures: number;
  };
  fast: { inFlight: number; workers: number; lostInFlight: number };
  /** Hits waiting for the hit-file writer (memory and disk); null when hit files are off. */
  hitFiles: { waiting: number; waitingOnDisk: number; spilledTotal: number; writerRestarts: number } | null;
  local: { fast: number; good: number };
  workers: { path: PoolPath; pid: number; host: string }[];
  /** Rates over the last second. */
  rates: RatesSnapshot | null;
  http: HttpCounters & { clients: number };
  /** Results to the broker: published, confirmed, waiting, dropped by reason; null when off. */
  zocalo: ZocaloCounters | null;
  /** The good path's journal (pipeline.good.journal_dir); null when it is off. */
  journal: (JournalCounters & { /** Frames journaled and not yet done. */ pending: number }) | null;
}
