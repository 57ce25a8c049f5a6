// A local worker that cannot start must not crash the pipeline nor spin the machine: the supervisor
// logs each failure and restarts after a pause that doubles on consecutive quick failures, up to a
// cap. Real child processes: a Node.js that cannot find its script (exits 1), and a program that
// does not exist (spawn 'error' ENOENT, no 'exit').
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MAX_RESTART_DELAY_MS,
  WorkerSupervisor,
  restartDelayMs,
  type WorkerSupervisorOptions,
} from '../src/stages/pool/WorkerSupervisor.js';

interface LogRecord {
  level: number;
  msg: string;
  restartDelayMs?: number;
  code?: unknown;
}

function recordingLogger(): { logger: pino.Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) records.push(JSON.parse(line) as LogRecord);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), records };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const delays = (records: LogRecord[]) =>
  records.filter((r) => r.restartDelayMs !== undefined).map((r) => r.restartDelayMs);

/** A started supervisor of one local worker (min = max = 1) with nowhere to connect to. */
function startOneWorker(
  options: Omit<WorkerSupervisorOptions, 'connect' | 'min' | 'max' | 'initial'>,
): WorkerSupervisor {
  const supervisor = new WorkerSupervisor({
    ...options,
    connect: 'ipc:///nonexistent/socket',
    min: 1,
    max: 1,
    initial: 1,
  });
  supervisor.start();
  return supervisor;
}

describe('worker restart back-off', () => {
  let supervisor: WorkerSupervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop();
    supervisor = undefined;
  });

  it('doubles from 200 ms per consecutive quick failure and stops at 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 100].map(restartDelayMs)).toEqual([
      200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000, 10_000,
    ]);
    expect(MAX_RESTART_DELAY_MS).toBe(10_000);
  });

  it('a worker script that does not exist: each exit is logged and restarted after a growing pause', async () => {
    const { logger, records } = recordingLogger();
    supervisor = startOneWorker({ path: 'good', logger, cli: '/nonexistent/stream-pipeline/worker.js' });
    await waitFor('four failed workers', () => delays(records).length >= 4);
    expect(delays(records).slice(0, 4)).toEqual([200, 400, 800, 1600]);
    const died = records.filter((r) => r.restartDelayMs !== undefined);
    expect(died[0]).toMatchObject({ msg: 'local worker died; starting another in 200 ms', code: 1 });
    expect(supervisor.restarts).toBeGreaterThanOrEqual(4);
    await supervisor.stop();
    // Nothing is started after stop(): no pending restart fires.
    const logged = records.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(records.length).toBe(logged);
    expect(supervisor.count).toBe(0);
  });

  it('a program that cannot be spawned (ENOENT): the spawn error is logged, not thrown, and retried with back-off', async () => {
    const { logger, records } = recordingLogger();
    supervisor = startOneWorker({ path: 'fast', logger, execPath: '/nonexistent/bin/node' });
    await waitFor('three failed spawns', () => delays(records).length >= 3);
    expect(delays(records).slice(0, 3)).toEqual([200, 400, 800]);
    const errors = records.filter((r) => r.msg.startsWith('cannot start a local worker'));
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors[0]).toMatchObject({ code: 'ENOENT' });
    expect(errors[0]!.msg).toMatch(/cannot start a local worker: spawn \/nonexistent\/bin\/node ENOENT/);
    expect(records.filter((r) => r.restartDelayMs !== undefined)[0]).toMatchObject({
      msg: 'local worker failed to start; starting another in 200 ms',
    });
    expect(supervisor.count).toBe(0);
  });
});
