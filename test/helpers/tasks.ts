// Tasks as the pipeline hands them to workers, for tests of the queue, the spill and the worker:
// frame `id` of series 1 (channel threshold_1, uint16) of a small detector.
import type { FrameEncoding } from '../../src/receiver/events.js';
import type { Task, TaskHeader } from '../../src/stages/pool/Task.js';

/** Little-endian uint16 pixels as they are (V1 "<"). */
export const RAW_UINT16: FrameEncoding = { codec: 'raw', elemSize: 2, name: '<' };

/** The header of frame `id` of a width x height uint16 series, its task id the same; `fields` override. */
export function taskHeader(id: number, width: number, height: number, fields: Partial<TaskHeader> = {}): TaskHeader {
  return {
    id,
    run: 1,
    series: 1,
    frame: id,
    channel: 'threshold_1',
    width,
    height,
    dtype: 'uint16',
    encoding: RAW_UINT16,
    receivedAt: 0,
    ...fields,
  };
}

/** A task of `size` bytes that are all `id & 0xff`, so bytes read back show whose they are. */
export function filledTask(header: TaskHeader, size: number): Task {
  return { header, data: new Uint8Array(size).fill(header.id & 0xff) };
}
