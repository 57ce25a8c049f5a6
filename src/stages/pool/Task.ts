// A unit of work for a worker: one frame's compressed bytes plus what is needed to decode it.
// The bytes travel as they came from the detector; only the worker decompresses them.
import type { Frame } from '../../receiver/events.js';
import type { FrameResult } from '../results.js';
import type { CheckedResult } from './resultCheck.js';

/** The frame's description as the receiver gave it (receivedAt: for arrival -> result latency). */
export type TaskHeader = Pick<Frame, 'series' | 'frame' | 'channel' | 'width' | 'height' | 'dtype' | 'encoding' | 'receivedAt'> & {
  /** Dispatcher-assigned id, unique for the pipeline's lifetime; acknowledgements name it. */
  id: number;
  /** The pipeline's number for the series start this frame belongs to (see SeriesSetup.run). */
  run: number;
};

export interface Task {
  header: TaskHeader;
  data: Uint8Array;
}

/** Bytes a task holds in memory (the compressed frame dominates; the header is small). */
export function taskBytes(task: Task): number {
  return task.data.byteLength + 256;
}

/**
 * A worker's checked result, made to say which frame and path it is about from the task the
 * worker was sent, not from what the worker claims: a faulty or mismatched worker must not be
 * able to account one frame as another (or another series', or the other path's).
 */
export function stampResult(result: CheckedResult, header: TaskHeader, path: FrameResult['path']): FrameResult {
  return { ...result, run: header.run, series: header.series, frame: header.frame, path, receivedAt: header.receivedAt };
}
