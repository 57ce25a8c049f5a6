// A unit of work for a worker: one frame's compressed bytes plus what is needed to decode it.
// The bytes travel as they came from the detector; only the worker decompresses them.
import type { FrameEncoding, PixelDtype } from '../../receiver/events.js';

export interface TaskHeader {
  /** Dispatcher-assigned id, unique for the pipeline's lifetime; acknowledgements name it. */
  id: number;
  series: number;
  frame: number;
  channel: string;
  width: number;
  height: number;
  dtype: PixelDtype;
  encoding: FrameEncoding;
  /** When the receiver got the frame, ms since the epoch (for arrival -> result latency). */
  receivedAt: number;
}

export interface Task {
  header: TaskHeader;
  data: Uint8Array;
}

/** Bytes a task holds in memory (the compressed frame dominates; the header is small). */
export function taskBytes(task: Task): number {
  return task.data.byteLength + 256;
}
