// The worker's end of its pulse thread (pulseThread.ts): starts it, tells it the pulse token of
// each new membership (or that there is none, between a hello and its welcome), and stops it.
// The main thread's own heartbeats go on beside it: they are what keeps a worker alive when the
// thread cannot run (no built thread script, or a broker too old to give a token).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { KeyPair } from '../pool/auth/keyFiles.js';

export interface PulseThreadData {
  connect: string;
  curve?: { serverKey: string; keyPair: KeyPair };
}

export type PulseCommand = { t: 'beat'; token: string | null; heartbeatMs: number } | { t: 'stop' };

const SCRIPT = new URL('./pulseThread.js', import.meta.url);

export class PulseSender {
  private alive = true;

  private constructor(private readonly thread: Worker) {
    // Liveness must never be what keeps a stopped worker's process running.
    thread.unref();
    thread.once('exit', () => (this.alive = false));
  }

  /** The pulse thread, or null (said in the log) when it cannot be started. */
  static start(data: PulseThreadData, logger: Logger): PulseSender | null {
    // Run from the TypeScript sources (tests), the thread's script is not there to start.
    if (!existsSync(fileURLToPath(SCRIPT))) {
      logger.debug({ script: SCRIPT.href }, 'no pulse thread script: heartbeats from the main loop only');
      return null;
    }
    try {
      // No inherited Node flags: the thread needs none, and some (--input-type) make it fail.
      const thread = new Worker(SCRIPT, { workerData: data, execArgv: [] });
      thread.on('error', (err) =>
        logger.warn({ err: err.message }, 'pulse thread failed: heartbeats from the main loop only'),
      );
      return new PulseSender(thread);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'pulse thread not started: heartbeats from the main loop only');
      return null;
    }
  }

  /** Pulses for the membership `token` names, every `heartbeatMs`; null: none until the next. */
  beat(token: string | null, heartbeatMs: number): void {
    this.post({ t: 'beat', token, heartbeatMs });
  }

  stop(): void {
    this.post({ t: 'stop' });
  }

  private post(cmd: PulseCommand): void {
    if (this.alive) this.thread.postMessage(cmd);
  }
}
