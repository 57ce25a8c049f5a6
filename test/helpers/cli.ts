// Runs the real `stream-pipeline` CLI (bin/stream-pipeline.js -> dist/) as child processes for
// tests. Needs `npx tsc -p .` first. Endpoints are bound on port * and read back from the
// "listening on ..." line the commands print, so tests never race for a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The launcher; SP_CLI_BIN may point at another one (e.g. a build in another directory). */
const BIN = process.env.SP_CLI_BIN ?? join(PROJECT_ROOT, 'bin', 'stream-pipeline.js');

export function assertBuilt(): void {
  if (!process.env.SP_CLI_BIN && !existsSync(join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('the CLI is not built: run "npx tsc -p ." before these tests');
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliSpawnOptions {
  /** Added to (or, with undefined, removed from) this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** A command the CLI runs under, given Node and its arguments last (e.g. unshare ... sh -c). */
  prefix?: string[];
}

export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly done: Promise<CliResult>;
  private waiters: Array<() => void> = [];

  constructor(args: string[], timeoutMs: number, options: CliSpawnOptions = {}) {
    const [command, ...prefixArgs] = [...(options.prefix ?? []), process.execPath];
    this.child = spawn(command!, [...prefixArgs, BIN, ...args], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.done = new Promise((resolveDone) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.wake();
        resolveDone({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Waits until stderr matches `pattern` (returns the match) or the process ends (throws). */
  async waitForStderr(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const m = pattern.exec(this.stderr);
      if (m) return m;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`process ended before stderr matched ${String(pattern)}; stderr:\n${this.stderr}`);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The endpoint from a "listening on tcp://..." line, with * replaced by 127.0.0.1. */
  async listeningEndpoint(): Promise<string> {
    const m = await this.waitForStderr(/listening on (tcp:\/\/[^\s;]+)/);
    return m[1]!.replace('tcp://*:', 'tcp://127.0.0.1:').replace('tcp://0.0.0.0:', 'tcp://127.0.0.1:');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Starts the CLI; the child is killed if it outlives `timeoutMs`. */
export function startCli(args: string[], timeoutMs = 60_000, options: CliSpawnOptions = {}): CliProcess {
  assertBuilt();
  return new CliProcess(args, timeoutMs, options);
}

/** Runs the CLI to completion. */
export function runCli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return startCli(args, timeoutMs).done;
}
