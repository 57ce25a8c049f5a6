// The pipeline's handle on its hit-file writer process (writerProcess.ts): forks it when there
// is something to write, sends it messages, and says when it died. Each run lives in one writer
// process; a run whose process died is not continued in the next one (its open files are gone),
// so the caller counts that run's unanswered frames as 'writer-died'.
import { fork, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { FromWriter, ToWriter } from './writerProtocol.js';
import { CLI_PATH } from '../../cli/cliPath.js';

export interface HitWriterEvents {
  message(msg: FromWriter): void;
  /** The process exited before it was asked to; `runs` were open in it. */
  died(runs: number[], detail: string): void;
}

export class HitWriterProcess {
  private child: ChildProcess | null = null;
  /** Runs opened in the current process whose 'finished' has not come back. */
  private readonly openRuns = new Set<number>();
  private stopping = false;
  restarts = 0;

  constructor(
    private readonly events: HitWriterEvents,
    private readonly logger: Logger,
  ) {}

  /** The writer's process id while it runs. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  send(msg: ToWriter): void {
    const child = this.child ?? this.spawn();
    if (msg.t === 'open') this.openRuns.add(msg.run);
    child.send(msg);
  }

  /** Lets the process finish what it was sent, then ends it (the IPC channel closes). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): ChildProcess {
    const child = fork(CLI_PATH, ['hdf5-writer'], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('message', (msg: FromWriter) => {
      if (msg.t === 'finished') this.openRuns.delete(msg.run);
      this.events.message(msg);
    });
    child.on('error', (err) => this.logger.error({ err: err.message }, 'hit-file writer process error'));
    // Handled once the IPC channel has closed too, so every message the child sent before it
    // died has been delivered first (and is not counted both as answered and as lost).
    child.once('exit', (code, signal) => {
      if (child.connected) child.once('disconnect', () => this.exited(child, code, signal));
      else this.exited(child, code, signal);
    });
    return child;
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child === child) this.child = null;
    if (this.stopping && code === 0) return;
    const runs = [...this.openRuns];
    this.openRuns.clear();
    const detail = signal ? `killed by ${signal}` : `exited with code ${String(code)}`;
    this.restarts++;
    this.logger.error({ runs, detail }, 'hit-file writer process died: its open series are not written further');
    this.events.died(runs, detail);
  }
}
