// Authenticated workers: with pipeline.auth, the TCP worker port speaks CURVE and lets in only
// workers whose public key is authorized; strangers (no CURVE, or an unknown key) never reach
// the broker, so they can neither pose as workers nor abort libzmq with a routing-id collision.
// Without auth the worker port may not be bound beyond loopback.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dealer, curveKeyPair } from 'zeromq';
import { encode } from '@msgpack/msgpack';
import { assertBuilt, runCli, startCli, type CliProcess } from './helpers/cli.js';
import { alive, expectHealthySeries, startTarget, stopTarget, type Target } from './helpers/hostileTarget.js';
import { readAuthorizedKeys, readKeyPair, writeKeyPair } from '../src/stages/pool/auth/keyFiles.js';
import { z85Encode } from '../src/stages/pool/auth/z85.js';

const dirs: string[] = [];
const targets: Target[] = [];
const closers: (() => void)[] = [];
beforeAll(() => assertBuilt());
afterEach(async () => {
  for (const c of closers.splice(0)) c();
  for (const t of targets.splice(0)) await stopTarget(t);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function keys() {
  const dir = mkdtempSync(join(tmpdir(), 'sp-keys-'));
  dirs.push(dir);
  const pipeline = writeKeyPair(join(dir, 'pipeline'));
  const worker = writeKeyPair(join(dir, 'worker'));
  const authorized = join(dir, 'workers.pub');
  writeFileSync(authorized, readFileSync(worker.publicFile));
  return {
    dir,
    pipeline,
    worker,
    authorized,
    yaml: `  auth:\n    key_file: ${pipeline.keyFile}\n    authorized_workers_file: ${authorized}\n`,
  };
}

/** A good-path worker joining `t` with key file `keyFile`, trusting the pipeline's public key; killed after the test. */
function startWorker(t: Target, keyFile: string, serverKeyFile: string, timeoutMs: number): CliProcess {
  const args = ['--connect', t.workerEndpoint, '--path', 'good', '--key', keyFile, '--server-key', serverKeyFile];
  const worker = startCli(['worker', ...args], timeoutMs);
  closers.push(() => worker.child.kill('SIGKILL'));
  return worker;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = async (t: Target) =>
  (await (await fetch(`http://127.0.0.1:${t.httpPort}/status`)).json()) as {
    workers: unknown[];
    badWorkerMessages: number;
    refusedWorkerConnections: number;
  };

describe('key files', () => {
  it('round-trip a key pair, refuse a readable secret, and encode keys as libzmq does', () => {
    const k = keys();
    const pair = readKeyPair(k.pipeline.keyFile);
    expect(pair.publicKey).toBe(k.pipeline.publicKey);
    expect(readAuthorizedKeys(k.authorized)).toEqual(new Set([k.worker.publicKey]));
    chmodSync(k.pipeline.keyFile, 0o644);
    expect(() => readKeyPair(k.pipeline.keyFile)).toThrow(/other users can read it/);
    // Z85 of the RFC 32 test vector.
    expect(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe('HelloWorld');
  });
});

describe('the worker port with authentication', () => {
  it('lets an authorized remote worker in and keeps strangers out, without a crash', async () => {
    const k = keys();
    const t = await startTarget(k.yaml);
    targets.push(t);
    const before = (await status(t)).workers.length;
    expect(before).toBe(2); // the local fast and good workers, in with the pipeline's own key
    const worker = startWorker(t, k.worker.keyFile, k.pipeline.publicFile, 120_000);
    for (let i = 0; i < 200 && (await status(t)).workers.length === before; i++) await pause(50);
    expect((await status(t)).workers.length).toBe(before + 1);

    // A plain peer, and one with a key nobody authorized, both saying hello; and the
    // routing-id collision, which needs no handshake of its own to be attempted.
    const plain = new Dealer({ linger: 0 });
    const stranger = new Dealer({ linger: 0 });
    const pair = curveKeyPair();
    stranger.curveServerKey = k.pipeline.publicKey;
    stranger.curvePublicKey = pair.publicKey;
    stranger.curveSecretKey = pair.secretKey;
    for (const d of [plain, stranger]) {
      closers.push(() => d.close());
      d.connect(t.workerEndpoint);
      void d.send(encode({ t: 'hello', path: 'good', pid: 1, host: 'stranger', credit: 4 })).catch(() => undefined);
    }
    for (let k2 = 0; k2 < 32; k2++) {
      const id = Buffer.alloc(5);
      id.writeUInt32BE(0x6b8b4567 + k2, 1);
      const d = new Dealer({ linger: 0, routingId: id as unknown as string });
      closers.push(() => d.close());
      d.connect(t.workerEndpoint);
    }
    await pause(1500);
    const s = await status(t);
    expect(s.workers.length).toBe(before + 1);
    expect(s.badWorkerMessages).toBe(0);
    expect(s.refusedWorkerConnections).toBeGreaterThan(0);
    expect(alive(t)).toBe(true);
    const summary = await expectHealthySeries(t, 1);
    expect(summary).toMatchObject({ received: 16, processed: 16, lost: 0 });
    worker.child.kill('SIGTERM');
    await worker.done;
  });

  it('tells a worker whose key is not authorized why it cannot join', async () => {
    const k = keys();
    const t = await startTarget(k.yaml);
    targets.push(t);
    const stranger = writeKeyPair(join(k.dir, 'stranger'));
    const worker = startWorker(t, stranger.keyFile, k.pipeline.publicFile, 60_000);
    await worker.waitForStderr(
      /refused this worker's authentication: is its public key in pipeline\.auth\.authorized_workers_file/,
    );
    expect((await status(t)).refusedWorkerConnections).toBeGreaterThan(0);
  });

  it('opens the worker port to the network but keeps the HTTP port (status, results) on loopback', async () => {
    const k = keys();
    const t = await startTarget(`  host: 0.0.0.0\n${k.yaml}`);
    targets.push(t);
    const listening = (port: number): string[] => {
      const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
      return readFileSync('/proc/net/tcp', 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f[1]?.endsWith(hex) && f[3] === '0A')
        .map((f) => f[1]!.split(':')[0]!);
    };
    expect(listening(Number(new URL(t.workerEndpoint).port))).toEqual(['00000000']);
    expect(listening(t.httpPort)).toEqual(['0100007F']);
  });

  it('refuses to open the worker port beyond loopback without authentication, saying what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-noauth-'));
    dirs.push(dir);
    const config = join(dir, 'p.yaml');
    writeFileSync(
      config,
      'pipeline:\n  host: 0.0.0.0\n  worker_port: 0\n  good:\n    workers: 0\n    min_workers: 0\n  fast:\n    workers: 0\n    min_workers: 0\noutputs:\n  http_port: 0\n',
    );
    const r = await runCli(['--config', config, '--endpoint', 'tcp://127.0.0.1:1'], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /pipeline\.host 0\.0\.0\.0 opens the worker port to the network.*pipeline\.auth\.key_file.*stream-pipeline keygen/,
    );
  });
});
