// The broker's side of worker pulses, with CURVE on as on a beamline network: a pulse carrying
// the token a member's welcome gave keeps that member alive while its own connection is
// silent; a pulse naming no member (forged, malformed, or another authenticated worker's own
// token) keeps no one else alive and is counted; a pulse of a membership that ended revives
// nothing and is not taken for a forgery. Real sockets on loopback, driven by hand.
import { afterEach, describe, expect, it } from 'vitest';
import { Dealer, curveKeyPair } from 'zeromq';
import { decode, encode } from '@msgpack/msgpack';
import { pino } from 'pino';
import { WorkerBroker, type PathDispatcher } from '../src/stages/pool/WorkerBroker.js';

const HEARTBEAT_MS = 200;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

const sockets: Dealer[] = [];
const brokers: WorkerBroker[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const b of brokers.splice(0)) await b.close();
});

type Keys = { publicKey: string; secretKey: string };

async function startBroker(authorized: Keys[]) {
  const serverKeys = curveKeyPair();
  const broker = new WorkerBroker({
    endpoint: 'tcp://127.0.0.1:0',
    heartbeatMs: HEARTBEAT_MS,
    taskTimeoutMs: 60_000,
    maxSlotBytes: 1 << 20,
    logger: pino({ level: 'silent' }),
    workerConfig: {},
    auth: { keyPair: serverKeys, authorized: new Set(authorized.map((k) => k.publicKey)) },
  });
  const removed: string[] = [];
  const dispatcher: PathDispatcher = {
    addWorker: () => undefined,
    seriesReady: () => undefined,
    grant: () => undefined,
    removeWorker: (id, reason) => removed.push(`${id}: ${reason}`),
    onWorkerMessage: () => true,
    oldestSentAt: () => null,
  };
  broker.registerPath('good', dispatcher);
  await broker.bind();
  brokers.push(broker);
  return { broker, removed, serverKey: serverKeys.publicKey };
}

function dealer(endpoint: string, serverKey: string, keys: Keys): Dealer {
  const d = new Dealer({ linger: 0 });
  d.curveServerKey = serverKey;
  d.curvePublicKey = keys.publicKey;
  d.curveSecretKey = keys.secretKey;
  d.connect(endpoint);
  sockets.push(d);
  return d;
}

/** Joins as a good worker (pid `pid`) and returns the pulse token of its welcome. */
async function join(socket: Dealer, pid: number): Promise<string> {
  await socket.send(encode({ t: 'hello', path: 'good', pid, host: 'elsewhere', credit: 1 }));
  for (;;) {
    const [header] = await socket.receive();
    const msg = decode(header!) as { t: string; pulse?: string };
    if (msg.t === 'welcome') return msg.pulse!;
  }
}

/** Sends `n` pulses with `token` (any value), one every half heartbeat. */
async function pulses(socket: Dealer, token: unknown, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await socket.send(encode({ t: 'pulse', token }));
    await pause(HEARTBEAT_MS / 2);
  }
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await pause(20);
  expect(cond()).toBe(true);
};

describe("the broker's pulses", () => {
  it("keep alive exactly the member whose token they carry, over a connection of the worker's own", async () => {
    const keysA = curveKeyPair();
    const { broker, removed, serverKey } = await startBroker([keysA]);
    const main = dealer(broker.endpoint, serverKey, keysA);
    const token = await join(main, 101);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    // The main connection says nothing more; 24 pulses span 12 heartbeats, four liveness windows.
    await pulses(dealer(broker.endpoint, serverKey, keysA), token, 24);
    expect(broker.membersOf('good').map((m) => m.pid)).toEqual([101]);
    expect(removed).toEqual([]);
    expect(broker.pulses).toBe(24);
    expect(broker.badMessages).toBe(0);
    expect(broker.workersLost).toBe(0);
  });

  it("let a member die whose pulses are forged or malformed, or another authenticated worker's, and count them", async () => {
    const keysA = curveKeyPair();
    const keysB = curveKeyPair();
    const { broker, removed, serverKey } = await startBroker([keysA, keysB]);
    const tokenA = await join(dealer(broker.endpoint, serverKey, keysA), 201);
    const tokenB = await join(dealer(broker.endpoint, serverKey, keysB), 202);
    expect(tokenB).not.toBe(tokenA);
    // Worker B, authenticated, pulses for A with its own token, a guess, and malformed ones;
    // A's connection and B's main connection both fall silent.
    const rogue = dealer(broker.endpoint, serverKey, keysB);
    const forged = tokenA.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    for (let i = 0; i < 6; i++) {
      await pulses(rogue, forged, 1);
      await pulses(rogue, 'not-a-token', 1);
      await pulses(rogue, 42, 1);
      await pulses(rogue, tokenB, 1);
    }
    await until(() => broker.membersOf('good').length === 0 || removed.length >= 1);
    // A went silent for three heartbeats, whatever B sent; B's own token kept B.
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatch(/silent for 3 heartbeats/);
    expect(broker.membersOf('good').map((m) => m.pid)).toEqual([202]);
    expect(broker.badMessages).toBe(18); // 6 forged, 6 not a token, 6 not a string
    expect(broker.pulses).toBe(6);
  });

  it('take a pulse of a membership that ended for a late one: it revives nothing, and is not a forgery', async () => {
    const keysA = curveKeyPair();
    const { broker, removed, serverKey } = await startBroker([keysA]);
    const main = dealer(broker.endpoint, serverKey, keysA);
    const token = await join(main, 301);
    await until(() => removed.length === 1); // silent: declared dead
    const pulser = dealer(broker.endpoint, serverKey, keysA);
    await pulses(pulser, token, 6);
    expect(broker.membersOf('good')).toEqual([]);
    expect(broker.stalePulses).toBe(6);
    expect(broker.badMessages).toBe(0);
    // Rejoining gives a new token; the old one stays dead.
    const again = await join(main, 301);
    expect(again).not.toBe(token);
    await pulses(pulser, token, 2);
    await pulses(pulser, again, 2);
    expect(broker.stalePulses).toBe(8);
    expect(broker.pulses).toBe(2);
  });

  it('refuses a pulse connection without an authorized key before it can say anything', async () => {
    const keysA = curveKeyPair();
    const { broker, serverKey } = await startBroker([keysA]);
    const token = await join(dealer(broker.endpoint, serverKey, keysA), 401);
    const stranger = dealer(broker.endpoint, serverKey, curveKeyPair());
    void stranger.send(encode({ t: 'pulse', token })).catch(() => undefined);
    await until(() => broker.refusedConnections >= 1);
    await pause(HEARTBEAT_MS * 5);
    expect(broker.pulses).toBe(0);
    expect(broker.membersOf('good')).toEqual([]);
  });
});
