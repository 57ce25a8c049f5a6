// Messages between the pipeline (a ROUTER, the "broker") and its workers (DEALERs).
// Each ZeroMQ message is a msgpack header part, plus for tasks and series set-ups a second
// part with raw bytes (the frame exactly as the detector compressed it, or the pixel mask),
// so pixel data is never re-encoded on its way to a worker. A worker on the pipeline's own
// machine receives task bytes in shared memory instead (see SharedFrameSlots): the task
// header then names the slot, and there is no second part.
import { PREVIEW_MAX_SIDE } from '../analysis/FramePreview.js';
import { Decoder, decode, encode } from '@msgpack/msgpack';
import type { SeriesStart } from '../../receiver/events.js';
import type { TaskHeader } from './Task.js';
import { FAILURE_CODES, RESULT_LIMITS, type FailureCode, type PoolPath } from '../../sinks/records.js';

export type { FailureCode, PoolPath };
import { checkLayout, type SlotLayout } from './SharedFrameSlots.js';
import { checkResult, ResultError, type CheckedResult } from './resultCheck.js';

/** Worker -> broker. */
export type WorkerMessage =
  /** `shm`: the worker's shared-memory frame slots, for a pipeline on the same machine;
   * `noShm`: why a worker that wanted to offer slots could not (e.g. /dev/shm full). */
  | { t: 'hello'; path: PoolPath; pid: number; host: string; credit: number; shm?: SlotLayout; noShm?: string }
  | { t: 'heartbeat' }
  /**
   * "The member whose welcome gave this token is alive": sent every heartbeat by the worker's
   * pulse thread over a connection of its own (see PulseSender), so a long analysis call on the
   * worker's main thread does not silence it. Never a member's message: the token names one.
   */
  | { t: 'pulse'; token: string }
  /** About to build a series' tables (no heartbeats meanwhile): allow it `ms` of silence. */
  | { t: 'building'; run: number; ms: number }
  /** The worker has built its tables for a run (or failed to, with a reason). */
  | { t: 'ready'; run: number; error?: string }
  | { t: 'result'; id: number; result: CheckedResult }
  /**
   * The worker could not process a task. `code` is one of FAILURE_CODES (a metric label and
   * the summary's lost reason); `detail` is the message for the log. 'no-setup' is not a loss:
   * the broker sends the set-up again and redelivers the task. 'bad-result' is the pipeline's
   * word for a result it could not accept. The frame is named by the task id alone: the
   * pipeline knows which frame it sent.
   */
  | { t: 'failed'; id: number; code: FailureCode; detail: string }
  | { t: 'bye' };

/** The series start's fields a worker analyses with; nothing else is sent (a start may carry
 * megabytes of user data or detector configuration that no worker needs). */
export const SETUP_FIELDS = [
  'series',
  'width',
  'height',
  'dtype',
  'beamCenterX',
  'beamCenterY',
  'detectorDistance',
  'wavelength',
  'pixelSizeX',
  'pixelSizeY',
  'saturationValue',
  'channels',
] as const;

/** What a worker needs to know about a series before its first task. */
export type SeriesSetup = Pick<SeriesStart, (typeof SETUP_FIELDS)[number]> & {
  /** The pipeline's number for this series start (a detector may reuse a series id). */
  run: number;
  /** Which channel's mask travels in the data part (uint32 per pixel), or null when none was sent. */
  maskChannel: string | null;
};

/** Broker -> worker. */
export type BrokerMessage =
  /** `shm`: whether the pipeline mapped the worker's frame slots (if not, bytes come inline);
   * `pulse`: the token this membership's pulses must carry (random, known to this worker only). */
  | { t: 'welcome'; heartbeatMs: number; config: unknown; shm?: boolean; pulse?: string }
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

export function encodePoolMessage(msg: WorkerMessage | BrokerMessage): Uint8Array {
  return encode(msg, { ignoreUndefined: true });
}

/**
 * The largest message a worker may send. A result with a full spot table (20,000 spots) and
 * the most radial bins the configuration allows (65,535) is about 1.1 MB, 1.4 MB with a preview
 * image (PREVIEW_MAX_SIDE squared, 16 bits); anything larger is not a worker's (libzmq drops the connection of a peer that sends one).
 */
export const MAX_WORKER_MESSAGE_BYTES = 2 * 1024 * 1024;

/** Bounds msgpack decoding of a worker's message to what a real one can contain. */
const workerDecoder = new Decoder({
  maxArrayLength: RESULT_LIMITS.radialBins,
  maxMapLength: 64,
  maxStrLength: 4096,
  // The only binary a worker sends is a preview image.
  maxBinLength: PREVIEW_MAX_SIDE * PREVIEW_MAX_SIDE * 2,
  maxExtLength: 0,
});

/** A pulse token as the broker makes them (see PulseTokens.ts). */
const PULSE_TOKEN = /^[0-9a-f]{32}$/;

/** Longest `host`, `detail`, `error` or `noShm` kept from a worker (the rest is cut). */
const MAX_TEXT = 500;

/** A worker message that cannot be understood; its text names what is wrong (for the log). */
export class WorkerMessageError extends Error {}

/**
 * Decodes and checks a worker's message, and returns it rebuilt from its checked fields (workers
 * may be remote, of another version, or hostile, so nothing is taken on trust). A result whose
 * body is malformed comes back as a 'failed' answer with code 'bad-result', so the frame goes to
 * another worker. Throws a WorkerMessageError when the message is not a worker's.
 */
export function decodeWorkerMessage(part: Uint8Array): WorkerMessage {
  let decoded: unknown;
  try {
    decoded = workerDecoder.decode(part);
  } catch (err) {
    throw new WorkerMessageError(`not msgpack within bounds: ${(err as Error).message.slice(0, 100)}`);
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded))
    throw new WorkerMessageError('worker message is not a map');
  const msg = decoded as Record<string, unknown>;
  const t = msg['t'];
  const int = (key: string, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    const v = msg[key];
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
      throw new WorkerMessageError(
        `worker message "${String(t).slice(0, 20)}" lacks an integer ${key} in ${min}..${max}`,
      );
    return v as number;
  };
  const text = (key: string): string | undefined =>
    typeof msg[key] === 'string' ? (msg[key] as string).slice(0, MAX_TEXT) : undefined;
  switch (t) {
    case 'hello': {
      const path = msg['path'];
      if (path !== 'fast' && path !== 'good') throw new WorkerMessageError('hello names no known path');
      const hello: WorkerMessage = {
        t,
        path,
        pid: int('pid'),
        host: text('host') ?? '?',
        credit: int('credit', 1, 1024),
      };
      if (msg['shm'] !== undefined) hello.shm = checkLayout(msg['shm']);
      const noShm = text('noShm');
      if (noShm !== undefined) hello.noShm = noShm;
      return hello;
    }
    case 'pulse': {
      const token = msg['token'];
      if (typeof token !== 'string' || !PULSE_TOKEN.test(token))
        throw new WorkerMessageError('pulse carries no well-formed token');
      return { t, token };
    }
    case 'heartbeat':
    case 'bye':
      return { t };
    case 'building':
      return { t, run: int('run'), ms: int('ms') };
    case 'ready': {
      const error = text('error');
      return error === undefined ? { t, run: int('run') } : { t, run: int('run'), error };
    }
    case 'result': {
      const id = int('id');
      try {
        return { t, id, result: checkResult(msg['result']) };
      } catch (err) {
        if (!(err instanceof ResultError)) throw err;
        return { t: 'failed', id, code: 'bad-result', detail: err.message };
      }
    }
    case 'failed': {
      const code = msg['code'];
      if (!(FAILURE_CODES as readonly unknown[]).includes(code))
        throw new WorkerMessageError(`failure code ${JSON.stringify(String(code).slice(0, 40))} is not known`);
      return { t, id: int('id'), code: code as FailureCode, detail: text('detail') ?? '' };
    }
    default:
      throw new WorkerMessageError(`unknown worker message type ${JSON.stringify(String(t).slice(0, 40))}`);
  }
}

export function decodeBrokerMessage(part: Uint8Array): BrokerMessage {
  const msg = decode(part) as BrokerMessage;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { t?: unknown }).t !== 'string') {
    throw new Error('broker message without a type');
  }
  return msg;
}
