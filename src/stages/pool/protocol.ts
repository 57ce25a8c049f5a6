// Messages between the pipeline (a ROUTER, the "broker") and its workers (DEALERs).
// Each ZeroMQ message is a msgpack header part, plus for tasks and series set-ups a second
// part with raw bytes (the frame exactly as the detector compressed it, or the pixel mask),
// so pixel data is never re-encoded on its way to a worker. A worker on the pipeline's own
// machine receives task bytes in shared memory instead (see SharedFrameSlots): the task
// header then names the slot, and there is no second part.
import { decode, encode } from '@msgpack/msgpack';
import type { SeriesStart } from '../../receiver/events.js';
import type { TaskHeader } from './Task.js';
import type { FrameResult } from '../results.js';
import type { SlotLayout } from './SharedFrameSlots.js';

export type PoolPath = 'fast' | 'good';

/** Worker -> broker. */
export type WorkerMessage =
  /** `shm`: the worker's shared-memory frame slots, for a pipeline on the same machine. */
  | { t: 'hello'; path: PoolPath; pid: number; host: string; credit: number; shm?: SlotLayout }
  | { t: 'heartbeat' }
  /** About to build a series' tables (no heartbeats meanwhile): allow it `ms` of silence. */
  | { t: 'building'; run: number; ms: number }
  /** The worker has built its tables for a run (or failed to, with a reason). */
  | { t: 'ready'; run: number; error?: string }
  | { t: 'result'; id: number; result: FrameResult }
  /**
   * The worker could not process a task. `code` is one of FAILURE_CODES (a metric label and
   * the summary's lost reason); `detail` is the message for the log. 'no-setup' is not a loss:
   * the broker sends the set-up again and redelivers the task.
   */
  | { t: 'failed'; id: number; run: number; series: number; frame: number; code: FailureCode; detail: string }
  | { t: 'bye' };

export const FAILURE_CODES = ['decode-failed', 'analysis-failed', 'setup-failed', 'no-setup', 'no-data'] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** What a worker needs to know about a series before its first task. */
export type SeriesSetup = Omit<SeriesStart, 'pixelMask' | 'flatfield' | 'countrateTable' | 'type'> & {
  /** The pipeline's number for this series start (a detector may reuse a series id). */
  run: number;
  /** Which channel's mask travels in the data part (uint32 per pixel), or null when none was sent. */
  maskChannel: string | null;
};

/** Broker -> worker. */
export type BrokerMessage =
  /** `shm`: whether the pipeline mapped the worker's frame slots (if not, bytes come inline). */
  | { t: 'welcome'; heartbeatMs: number; config: unknown; shm?: boolean }
  | { t: 'series'; setup: SeriesSetup }
  /** The frame's bytes are the data part, or `length` bytes of slot `slot` of the worker's
   * shared-memory region named `region` (a task naming an earlier region is stale). */
  | { t: 'task'; task: TaskHeader; slot?: number; length?: number; region?: string }
  | { t: 'heartbeat' }
  /** The run is finished on the good path: its set-up can go. */
  | { t: 'forget'; run: number }
  /** You are not (or no longer) a member: drop queued tasks and say hello again. */
  | { t: 'reset' }
  | { t: 'stop' };

export function encodeMessage(msg: WorkerMessage | BrokerMessage): Uint8Array {
  return encode(msg, { ignoreUndefined: true });
}

/** Decodes and checks a worker's message; throws naming what is wrong (workers may be remote
 * and of another version, so nothing is taken on trust). */
export function decodeWorkerMessage(part: Uint8Array): WorkerMessage {
  const msg = decode(part) as Record<string, unknown> | null;
  if (typeof msg !== 'object' || msg === null || typeof msg['t'] !== 'string') throw new Error('worker message without a type');
  const num = (key: string, obj: Record<string, unknown> = msg) => {
    if (typeof obj[key] !== 'number' || !Number.isFinite(obj[key])) throw new Error(`worker message "${String(msg['t'])}" lacks a numeric ${key}`);
  };
  switch (msg['t']) {
    case 'hello':
      if (msg['path'] !== 'fast' && msg['path'] !== 'good') throw new Error('hello names no known path');
      num('credit');
      break;
    case 'building':
      num('run');
      num('ms');
      break;
    case 'ready':
      num('run');
      break;
    case 'result': {
      num('id');
      const r = msg['result'] as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null) throw new Error('result message without a result');
      for (const key of ['run', 'series', 'frame', 'n_spots', 'receivedAt']) num(key, r);
      if (r['path'] !== 'fast' && r['path'] !== 'good') throw new Error('result names no known path');
      break;
    }
    case 'failed':
      num('id');
      num('run');
      num('frame');
      if (!(FAILURE_CODES as readonly unknown[]).includes(msg['code'])) throw new Error(`failure code ${String(msg['code'])} is not known`);
      break;
  }
  return msg as unknown as WorkerMessage;
}

export function decodeBrokerMessage(part: Uint8Array): BrokerMessage {
  const msg = decode(part) as BrokerMessage;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { t?: unknown }).t !== 'string') {
    throw new Error('broker message without a type');
  }
  return msg;
}
