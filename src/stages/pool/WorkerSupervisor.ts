// Starts and keeps local worker processes (`stream-pipeline worker ...` children) for one
// path. A worker that dies is replaced; the count can be changed at run time within bounds
// (the ProcessMonitor does that from queue depths). Remote workers are not ours to start:
// they join the broker by themselves.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { PoolPath } from './protocol.js';

export interface WorkerSupervisorOptions {
  path: PoolPath;
  connect: string;
  min: number;
  max: number;
  initial: number;
  logger: Logger;
  /** Extra environment for the children (e.g. log level). */
  env?: NodeJS.ProcessEnv;
}

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

export class WorkerSupervisor {
  private readonly children = new Set<ChildProcess>();
  private wanted: number;
  private stopping = false;
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
    const exits = [...this.children].map(
      (child) => new Promise<void>((resolve) => {
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
    const child = spawn(process.execPath, [CLI, 'worker', '--connect', connect, '--path', path], {
      // The IPC channel is how a local worker notices its pipeline has gone (even after kill -9).
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...this.options.env },
    });
    this.children.add(child);
    logger.info({ path, pid: child.pid }, 'started local worker');
    child.once('exit', (code, signal) => {
      this.children.delete(child);
      if (this.stopping) return;
      if (this.children.size < this.wanted) {
        this.restarts++;
        logger.warn({ path, pid: child.pid, code, signal }, 'local worker died; starting another');
        // A short pause keeps a crash-looping worker from spinning the machine.
        setTimeout(() => {
          if (!this.stopping && this.children.size < this.wanted) this.spawnOne();
        }, 200);
      }
    });
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(n)));
}
