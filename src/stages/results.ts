// What the analysis of one frame produces, as it travels from a worker to the collector and
// into the results file. Field names follow DIALS's per-image analysis where one exists.

/** The red flags a frame result may carry, and nothing else. */
export const FRAME_FLAGS = ['ice-rings', 'multiple-lattices', 'saturation', 'spot-list-truncated', 'no-geometry'] as const;
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
  path: 'fast' | 'good';
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
}
