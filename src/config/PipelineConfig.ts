// The validated configuration, with every default filled in (see configSchema.ts for meanings).
// configSchema.ts is typed by these types (schemaTypes.ts): a key, type, null or enum member
// changed here and not there, or there and not here, fails `tsc`.
import type { GridScanFields } from '../stages/grid/gridScan.js';

export interface SimulatorConfig {
  model: 'eiger2-4m' | 'eiger2-9m' | 'eiger2-16m';
  frames: number;
  series: number;
  rate: number;
  stream: 'v1' | 'v2';
  dtype: 'uint16' | 'uint32';
  hit_fraction: number;
  ice_rings: boolean;
  split_spots: boolean;
  seed: number;
  truth: string | null;
  grid: string | null;
}

export interface WorkerPoolConfig {
  workers: number;
  min_workers: number;
  max_workers: number;
  spot_finder: 'dispersion' | 'peakfinder8';
}

export interface PipelineConfig {
  name: string;
  detector: {
    endpoint: string;
    distance_fallback_m: number | null;
    grid_scan: GridScanFields | null;
    simulate: SimulatorConfig | null;
  };
  pipeline: {
    host: string;
    auth: { key_file: string | null; authorized_workers_file: string | null };
    worker_port: number;
    fast: WorkerPoolConfig & { sampling: { every: number; fraction: number } };
    good: WorkerPoolConfig & {
      memory_budget_mb: number;
      spill_dir: string | null;
      journal_dir: string | null;
      journal_max_mb: number;
    };
    state_dir: string | null;
    heartbeat_ms: number;
    task_timeout_s: number;
    shared_memory_slot_mb: number;
  };
  analysis: {
    mask: {
      rectangles: [number, number, number, number][];
      circles: [number, number, number][];
      d_min: number | null;
      d_max: number | null;
    };
    radial: {
      bins: number;
      unit: 'q' | '2theta' | 'd';
      range: [number, number] | null;
      solid_angle: boolean;
      polarisation: number | null;
    };
    dispersion: {
      algorithm: 'dispersion_extended' | 'dispersion';
      kernel_size: number;
      sigma_background: number;
      sigma_strong: number;
      min_local: number;
      gain: number;
      global_threshold: number;
      min_spot_size: number;
      max_spot_size: number;
      connectivity: 4 | 8;
    };
    peakfinder8: {
      adc_threshold: number;
      min_snr: number;
      min_pix_count: number;
      max_pix_count: number;
      local_bg_radius: number;
      min_res: number;
      max_res: number;
      max_num_peaks: number;
      fast: boolean;
    };
    hit: { min_spots: number };
  };
  outputs: {
    results: string | null;
    spots_in_results: boolean;
    radial_in_results: boolean;
    hdf5: { directory: string | null; hits_only: boolean; frames_per_file: number; prefix: string | null };
    zocalo: {
      url: string | null;
      vhost: string;
      queue: string;
      exchange: string | null;
      credentials_file: string | null;
      recipe_file: string | null;
      recipe_step: number;
      dcid: number | null;
      outbox_memory_mb: number;
      outbox_disk_mb: number;
    };
    http_host: string;
    http_token_file: string | null;
    http_port: number;
  };
  logging: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' };
}
