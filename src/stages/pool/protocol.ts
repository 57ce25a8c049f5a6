// Messages between the pipeline (a ROUTER, the "broker") and its workers (DEALERs).
// Each ZeroMQ message is a msgpack header part, plus for tasks and series set-ups a second
// part with raw bytes (the frame exactly as the detector compressed it, or the pixel mask),
// so pixel data is never re-encoded on its way to a worker.
import { decode, encode } from '@msgpack/msgpack';
import type { SeriesStart } from '../../receiver/events.js';
import type { TaskHeader } from './Task.js';
import type { FrameResult } from '../results.js';

export type PoolPath = 'fast' | 'good';

/** Worker -> broker. */
export type WorkerMessage =
  | { t: 'hello'; path: PoolPath; pid: number; host: string; credit: number }
  | { t: 'heartbeat' }
  /** The worker has built its tables for a series (or failed to, with a reason). */
  | { t: 'ready'; series: number; error?: string }
  | { t: 'result'; id: number; result: FrameResult }
  /** The worker could not process a task (e.g. corrupt frame); it is acknowledged, not retried. */
  | { t: 'failed'; id: number; series: number; frame: number; reason: string }
  | { t: 'bye' };

/** What a worker needs to know about a series before its first task. */
export type SeriesSetup = Omit<SeriesStart, 'pixelMask' | 'flatfield' | 'countrateTable' | 'type'> & {
  /** Which channel's mask travels in the data part (uint32 per pixel), or null when none was sent. */
  maskChannel: string | null;
};

/** Broker -> worker. */
export type BrokerMessage =
  | { t: 'welcome'; heartbeatMs: number; config: unknown }
  | { t: 'series'; setup: SeriesSetup }
  | { t: 'task'; task: TaskHeader }
  | { t: 'heartbeat' }
  /** You are not (or no longer) a member: drop queued tasks and say hello again. */
  | { t: 'reset' }
  | { t: 'stop' };

export function encodeMessage(msg: WorkerMessage | BrokerMessage): Uint8Array {
  return encode(msg, { ignoreUndefined: true });
}

export function decodeWorkerMessage(part: Uint8Array): WorkerMessage {
  const msg = decode(part) as WorkerMessage;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { t?: unknown }).t !== 'string') {
    throw new Error('worker message without a type');
  }
  return msg;
}

export function decodeBrokerMessage(part: Uint8Array): BrokerMessage {
  const msg = decode(part) as BrokerMessage;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { t?: unknown }).t !== 'string') {
    throw new Error('broker message without a type');
  }
  return msg;
}
