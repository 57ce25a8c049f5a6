// The per-frame record as it leaves the pipeline (results file and the /ws/records feed): the fields
// of a FrameResult under their published names, with `type: 'frame'`. The large arrays are
// included only when asked for.
import type { FrameResult } from './records.js';

export interface FrameRecordContents {
  spots: boolean;
  radial: boolean;
  separation: boolean;
}

export function frameRecord(r: FrameResult, include: FrameRecordContents): object {
  return {
    type: 'frame',
    series: r.series,
    frame: r.frame,
    path: r.path,
    n_spots: r.n_spots,
    n_spots_no_ice: r.n_spots_no_ice,
    n_spots_4A: r.n_spots_4A,
    hit: r.hit,
    d_min: r.d_min,
    total_intensity: r.total_intensity,
    saturated_pixels: r.saturated_pixels,
    background: r.background,
    flags: r.flags,
    timing_ms: r.timing,
    ...(include.spots ? { spots: r.spots } : {}),
    ...(include.radial ? { radial: r.radial } : {}),
    ...(include.separation ? { separation: r.separation } : {}),
  };
}
