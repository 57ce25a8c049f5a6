// What the dashboard is fed in tests: a frame result, a series record and the pipeline's side of
// the health panel, each with its fields overridable.
import type { PipelineHealth } from '../../src/dashboard/Dashboard.js';
import type { FrameResult, SeriesRecord } from '../../src/sinks/records.js';
import { validResultBody } from './frameResults.js';

export function frameResult(frame: number, over: Partial<FrameResult> = {}): FrameResult {
  return {
    ...(validResultBody({
      background: 1,
      separation: [],
      timing: { decode: 1, analysis: 1, total: 2, wait: 0 },
    }) as Omit<FrameResult, 'run' | 'series' | 'frame' | 'path' | 'receivedAt'>),
    run: 1,
    series: 7,
    frame,
    path: 'good',
    receivedAt: 0,
    ...over,
  };
}

export function seriesRecordFor(over: Partial<SeriesRecord> = {}): SeriesRecord {
  return {
    type: 'series',
    series: 7,
    series_unique_id: null,
    detector: 'EIGER2 test',
    width: 2068,
    height: 2162,
    dtype: 'uint32',
    beam_center_x: 1034,
    beam_center_y: 1081,
    distance_m: 0.15,
    wavelength_a: 1,
    pixel_size_m: 75e-6,
    number_of_images: 1000,
    radial_q: [0.5, 1.0, 1.5, 2.0],
    grid_scan: null,
    ...over,
  };
}

export function pipelineHealth(over: Partial<PipelineHealth> = {}): PipelineHealth {
  return {
    inputRate: 0,
    processedRate: { good: 0, fast: 0 },
    goodQueue: { waiting: 0, onDisk: 0, spilledTotal: 0, inFlight: 0 },
    workers: { good: 0, fast: 0 },
    hitFilesWaiting: null,
    dashboardClients: 0,
    ...over,
  };
}
