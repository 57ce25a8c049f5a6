// A worker in its own process whose table build blocks it for longer than the broker's liveness
// window (3 heartbeats): it says so before the build, so the broker must not declare it dead
// and hand its frames to others; once it answers again, silence counts as before. And the
// worker's pulse thread: it runs from the built code, stops when the process is stopped
// (SIGSTOP: the worker falls silent and is declared dead), and never keeps a stopped worker's
// process alive.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { pino } from 'pino';
import { WorkerBroker, type PathDispatcher } from '../src/stages/pool/WorkerBroker.js';
import { assertBuilt } from './helpers/cli.js';
import { validResultBody } from './helpers/frameResults.js';
import { testSetup } from './helpers/setups.js';
import { taskHeader } from './helpers/tasks.js';
import { curveKeyPair } from 'zeromq';
import type { KeyPair } from '../src/stages/pool/auth/keyFiles.js';

const HEARTBEAT_MS = 250;
const BUILD_MS = 2000;

/** A real PoolWorker in a child process whose analyser takes BUILD_MS to build (busy, as a
 * large detector's tables do) and reports a fixed result per frame. Without its pulse thread
 * (which would keep it alive anyway): the announcement alone must do it. */
function slowBuildingWorker(connect: string): ChildProcess {
  const dist = new URL('../dist/src/stages/worker/PoolWorker.js', import.meta.url).pathname;
  const script = `import { PoolWorker } from ${JSON.stringify(dist)};
    import { pino } from 'pino';
    const worker = new PoolWorker({ connect: ${JSON.stringify(connect)}, path: 'good', credit: 1, pulses: false, logger: pino({ level: 'silent' }),
      makeAnalyser: () => { const end = Date.now() + ${BUILD_MS}; while (Date.now() < end); return { analyse: () => (${JSON.stringify(validResultBody())}) }; } });
    process.on('SIGTERM', () => worker.stop());
    await worker.run();
    process.exit(0);`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: 'inherit',
  });
}

/** A real PoolWorker in a child process that ends by itself (no process.exit) once stopped. */
function plainWorker(connect: string, curve?: { serverKey: string; keyPair: KeyPair }): ChildProcess {
  const dist = new URL('../dist/src/stages/worker/PoolWorker.js', import.meta.url).pathname;
  const script = `import { PoolWorker } from ${JSON.stringify(dist)};
    import { pino } from 'pino';
    const worker = new PoolWorker({ connect: ${JSON.stringify(connect)}, curve: ${JSON.stringify(curve)}, path: 'good', credit: 1, logger: pino({ level: 'warn' }),
      makeAnalyser: () => ({ analyse: () => (${JSON.stringify(validResultBody())}) }) });
    process.on('SIGTERM', () => worker.stop());
    await worker.run();`;
  return spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname,
    stdio: 'inherit',
  });
}

function quietBroker(auth: { keyPair: KeyPair; authorized: Set<string> } | null = null) {
  const broker = new WorkerBroker({
    auth,
    endpoint: 'tcp://127.0.0.1:0',
    heartbeatMs: HEARTBEAT_MS,
    taskTimeoutMs: 60_000,
    maxSlotBytes: 1 << 20,
    logger: pino({ level: 'silent' }),
    workerConfig: {},
  });
  const removed: string[] = [];
  broker.registerPath('good', {
    addWorker: () => undefined,
    seriesReady: () => undefined,
    grant: () => undefined,
    removeWorker: (_id, reason) => removed.push(reason),
    onWorkerMessage: () => true,
    oldestSentAt: () => null,
  });
  return { broker, removed };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  for (const end = Date.now() + ms; !cond() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  expect(cond()).toBe(true);
};

const children: ChildProcess[] = [];
beforeAll(() => assertBuilt());
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('worker liveness during a table build', () => {
  it('keeps a worker that announced a build longer than the liveness window, and its frames with it', async () => {
    const broker = new WorkerBroker({
      endpoint: 'tcp://127.0.0.1:0',
      heartbeatMs: HEARTBEAT_MS,
      taskTimeoutMs: 60_000,
      maxSlotBytes: 1 << 20,
      logger: pino({ level: 'silent' }),
      workerConfig: {},
    });
    let joined = '';
    const removed: string[] = [];
    const answered: number[] = [];
    const dispatcher: PathDispatcher = {
      addWorker: (id) => (joined = id),
      seriesReady: () => undefined,
      grant: () => undefined,
      removeWorker: (id, reason) => removed.push(`${id}: ${reason}`),
      onWorkerMessage: (_id, msg) => (answered.push(msg.id), true),
      oldestSentAt: () => null,
    };
    broker.registerPath('good', dispatcher);
    await broker.bind();
    children.push(slowBuildingWorker(broker.localEndpoint!));
    const until = async (cond: () => boolean, ms: number) => {
      for (const end = Date.now() + ms; !cond() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
      expect(cond()).toBe(true);
    };
    await until(() => joined !== '', 10_000);
    const setup = testSetup(8, 8);
    broker.send(joined, { t: 'series', setup });
    broker.send(joined, { t: 'task', task: taskHeader(1, 8, 8, { frame: 0 }) }, new Uint8Array(128));
    await until(() => answered.includes(1), BUILD_MS + 5000);
    expect(broker.workersLost).toBe(0);
    expect(broker.pulses).toBe(0);
    expect(removed).toEqual([]);
    await broker.close();
  }, 20_000);
});

describe("the worker's pulse thread", () => {
  it('pulses from the built code, falls silent with its process under SIGSTOP, and never keeps a stopped worker alive', async () => {
    const { broker, removed } = quietBroker();
    await broker.bind();
    const child = plainWorker(broker.localEndpoint!);
    children.push(child);
    let exit: { code: number | null; signal: string | null } | null = null;
    child.once('exit', (code, signal) => (exit = { code, signal }));
    await until(() => broker.pulses >= 3 && broker.membersOf('good').length === 1);

    // Stopped, the whole process is: no pulse leaves, and the broker declares it dead.
    process.kill(child.pid!, 'SIGSTOP');
    await until(() => removed.length === 1);
    expect(removed[0]).toMatch(/silent for 3 heartbeats/);
    const pulsesWhileStopped = broker.pulses;
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 4));
    expect(broker.pulses).toBe(pulsesWhileStopped);

    // Continued, it is reset, rejoins, and pulses under its new membership.
    process.kill(child.pid!, 'SIGCONT');
    await until(() => broker.membersOf('good').length === 1 && broker.pulses >= pulsesWhileStopped + 3);

    // Told to stop, its process ends by itself: the thread does not hold it open.
    child.kill('SIGTERM');
    await until(() => exit !== null);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(broker.badMessages).toBe(0);
    await broker.close();
  }, 30_000);

  it("authenticates its own connection with the worker's CURVE keys", async () => {
    const server = curveKeyPair();
    const worker = curveKeyPair();
    const { broker } = quietBroker({ keyPair: server, authorized: new Set([worker.publicKey]) });
    await broker.bind();
    const child = plainWorker(broker.endpoint, { serverKey: server.publicKey, keyPair: worker });
    children.push(child);
    await until(() => broker.pulses >= 3 && broker.membersOf('good').length === 1);
    expect(broker.refusedConnections).toBe(0);
    expect(broker.badMessages).toBe(0);
    await broker.close();
  }, 30_000);
});
