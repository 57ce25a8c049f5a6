// A unit of work for a worker: one frame's compressed bytes plus what is needed to decode it.
// The bytes travel as they came from the detector; only the worker decompresses them.
import type { Frame } from '../../receiver/events.js';
import type { FrameResult } from '../../sinks/records.js';
import type { CheckedResult } from './resultCheck.js';
import { copyBytes } from '../../receiver/copyBytes.js';

/** The frame's description as the receiver gave it (receivedAt: for arrival -> result latency). */
export type TaskHeader = Pick<
  Frame,
  'series' | 'frame' | 'channel' | 'width' | 'height' | 'dtype' | 'encoding' | 'receivedAt'
> & {
  /** Dispatcher-assigned id, unique for the pipeline's lifetime; acknowledgements name it. */
  id: number;
  /** The pipeline's number for the series start this frame belongs to (see SeriesSetup.run). */
  run: number;
  /** Asks for a small image of the frame with the result, if the frame is a hit (the screen's
   * latest hit; set on a few fast-path tasks a second). */
  preview?: true;
};

export interface Task {
  header: TaskHeader;
  data: Uint8Array;
}

/** Slack a frame's bytes may keep around them before they are copied out (see ownBytes). */
const MAX_SLACK_BYTES = 64 * 1024;

/**
 * The frame's bytes, copied out of the message they arrived in when that message is much
 * larger (a V2 image message carrying megabytes of user data, say): a task keeps its whole
 * underlying buffer alive, and the memory budget counts only the frame, so a view into a huge
 * message would hold far more than the budget says. Frames that are (nearly) their own message
 * travel as they are, uncopied.
 */
export function ownBytes(data: Uint8Array): Uint8Array {
  const slack = data.buffer.byteLength - data.byteLength;
  if (slack <= MAX_SLACK_BYTES || slack <= data.byteLength / 4) return data;
  return copyBytes(data);
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
  return {
    ...result,
    run: header.run,
    series: header.series,
    frame: header.frame,
    path,
    receivedAt: header.receivedAt,
  };
}
