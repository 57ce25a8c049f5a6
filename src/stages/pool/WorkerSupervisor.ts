// Starts and keeps local worker processes (`stream-pipeline worker ...` children) for one
// path. A worker that dies is replaced; the count can be changed at run time within bounds
// (the PoolScaler does that from queue depths). Remote workers are not ours to start:
// they join the broker by themselves.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { PoolPath } from './protocol.js';
import { SharedFrameSlots } from './SharedFrameSlots.js';
import { CLI_PATH } from '../../cli/cliPath.js';

export interface WorkerSupervisorOptions {
  path: PoolPath;
  connect: string;
  min: number;
  max: number;
  initial: number;
  logger: Logger;
  /** Extra environment for the children (e.g. log level). */
  env?: NodeJS.ProcessEnv;
  /** Extra arguments for `stream-pipeline worker` (e.g. the shared-memory slot size). */
  args?: string[];
  /** The script the children run (default: this project's CLI_PATH); tests point it elsewhere. */
  cli?: string;
  /** The program that runs it (default: this Node.js). */
  execPath?: string;
  /** A child's process exited (the broker then knows the frames it held crashed with it). */
  onExit?: (pid: number) => void;
}

/** Pause before replacing a worker; doubled for each consecutive quick failure, up to the max. */
export const RESTART_DELAY_MS = 200;
export const MAX_RESTART_DELAY_MS = 10_000;
/** A worker that ran at least this long was healthy: the back-off starts again from the beginning. */
const QUICK_FAILURE_MS = 5_000;

export class WorkerSupervisor {
  private readonly children = new Set<ChildProcess>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private wanted: number;
  private stopping = false;
  private quickFailures = 0;
  restarts = 0;

  constructor(private readonly options: WorkerSupervisorOptions) {
    this.wanted = clamp(options.initial, options.min, options.max);
  }

  get count(): number {
    return this.children.size;
  }

  get target(): number {
    return this.wanted;
  }

  /** Process ids of the running workers (tests kill them to prove redelivery). */
  get pids(): number[] {
    return [...this.children].map((c) => c.pid!).filter((p) => p !== undefined);
  }

  start(): void {
    while (this.children.size < this.wanted) this.spawnOne();
  }

  /** Sets the number of local workers, within [min, max]; returns the number in force. */
  resize(n: number): number {
    this.wanted = clamp(n, this.options.min, this.options.max);
    while (this.children.size < this.wanted) this.spawnOne();
    const extra = [...this.children].slice(this.wanted);
    for (const child of extra) child.kill('SIGTERM');
    return this.wanted;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        }),
    );
    await Promise.all(exits);
  }

  private spawnOne(): void {
    const { path, connect, logger } = this.options;
    const startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(
        this.options.execPath ?? process.execPath,
        [this.options.cli ?? CLI_PATH, 'worker', '--connect', connect, '--path', path, ...(this.options.args ?? [])],
        {
          // The IPC channel is how a local worker notices its pipeline has gone (even after kill -9).
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: { ...process.env, ...this.options.env },
        },
      );
    } catch (err) {
      const delayMs = this.scheduleRestart(startedAt);
      logger.error(
        { path, err: (err as Error).message, restartDelayMs: delayMs },
        `cannot start a local worker: ${(err as Error).message}`,
      );
      return;
    }
    this.children.add(child);
    let gone = false;
    const onGone = (fields: Record<string, unknown>, message: string) => {
      if (gone) return;
      gone = true;
      this.children.delete(child);
      if (child.pid !== undefined) SharedFrameSlots.removeLeftovers(child.pid);
      if (this.stopping || this.children.size >= this.wanted) return;
      const delayMs = this.scheduleRestart(startedAt);
      logger.warn({ path, ...fields, restartDelayMs: delayMs }, `${message}; starting another in ${delayMs} ms`);
    };
    if (child.pid !== undefined) logger.info({ path, pid: child.pid }, 'started local worker');
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) this.options.onExit?.(child.pid);
      onGone({ pid: child.pid, code, signal }, 'local worker died');
    });
    // 'error': the process could not be started (ENOENT, EAGAIN, ENOMEM: no 'exit' follows), or a
    // signal or message could not be delivered to a running one (its 'exit' comes later, if at all).
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        logger.error({ path, err: err.message, code: err.code }, `cannot start a local worker: ${err.message}`);
        onGone({ code: err.code }, 'local worker failed to start');
      } else {
        logger.warn({ path, pid: child.pid, err: err.message, code: err.code }, `local worker: ${err.message}`);
      }
    });
  }

  /**
   * Starts a replacement after a pause that doubles with each consecutive quick failure (up to
   * MAX_RESTART_DELAY_MS), so a worker that cannot start does not spin the machine; returns the pause.
   */
  private scheduleRestart(startedAt: number): number {
    this.restarts++;
    this.quickFailures = Date.now() - startedAt < QUICK_FAILURE_MS ? this.quickFailures + 1 : 1;
    const delayMs = restartDelayMs(this.quickFailures);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.stopping && this.children.size < this.wanted) this.spawnOne();
    }, delayMs);
    this.restartTimers.add(timer);
    return delayMs;
  }
}

/** The pause before the restart that follows `quickFailures` consecutive quick failures (>= 1). */
export function restartDelayMs(quickFailures: number): number {
  return Math.min(RESTART_DELAY_MS * 2 ** Math.max(0, Math.min(quickFailures - 1, 30)), MAX_RESTART_DELAY_MS);
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(n)));
}
