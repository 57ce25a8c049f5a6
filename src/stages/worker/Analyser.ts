// What a worker runs on each decoded frame. One Analyser is built per series (its geometry
// and mask tables are computed once, there) and then called for every frame of the series.
import type { PixelArray } from '../../codec/FrameDecoder.js';
import type { PipelineConfig } from '../../config/PipelineConfig.js';
import type { SeriesSetup, PoolPath } from '../pool/protocol.js';
import type { TaskHeader } from '../pool/Task.js';
import type { FramePreview, FrameResult } from '../../sinks/records.js';
import type { PixelDtype } from '../../receiver/events.js';

export type AnalysisOutput = Omit<FrameResult, 'run' | 'series' | 'frame' | 'path' | 'timing' | 'receivedAt'>;

export interface Analyser {
  analyse(pixels: PixelArray, task: TaskHeader): AnalysisOutput;
  /** A small image of the frame for the live-feedback screen (masked pixels left out). */
  preview?(pixels: PixelArray): FramePreview;
  /** Why part of the analysis (radial profile, resolution) had to be left out, if it had. */
  readonly limitation?: string | null;
}

/** What the pipeline tells every worker when it joins. */
export interface WorkerSettings {
  analysis: PipelineConfig['analysis'];
  spotFinder: Record<PoolPath, 'dispersion' | 'peakfinder8'>;
}

/** A set-up with the frame shape and pixel type filled in (from the frames when not announced). */
export type ShapedSetup = SeriesSetup & { width: number; height: number; dtype: PixelDtype };

export type AnalyserFactory = (
  setup: ShapedSetup,
  mask: Uint32Array | null,
  settings: WorkerSettings,
  path: PoolPath,
) => Analyser;
