// The pipeline's end of the worker pools: one ROUTER socket that local and remote workers
// connect their DEALERs to. It keeps track of who is alive (heartbeats both ways; a worker
// silent for three intervals is declared dead) and hands each worker's messages to the
// dispatcher of the path it joined (fast or good). A worker on this machine that offers
// shared-memory frame slots gets its tasks' bytes there instead of over the socket. A worker's
// pulses (sent by a thread of its own, so a long analysis call cannot hold them back) count as
// hearing from it; see PulseTokens for why a pulse can only keep its own member alive.
import { hostname } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'zeromq';
import type { Logger } from 'pino';
import { SendQueue } from './SendQueue.js';
import { SharedFrameSlots } from './SharedFrameSlots.js';
import {
  decodeWorkerMessage,
  encodePoolMessage,
  MAX_WORKER_MESSAGE_BYTES,
  type BrokerMessage,
  type PoolPath,
  type WorkerMessage,
} from './protocol.js';
import { DEFAULT_RATE_LIMIT, LogRateLimiter } from '../../util/LogRateLimiter.js';
import { seedLibcRandom } from '../../native/libcRandom.js';
import { makePrivateTempDirectory } from '../../util/privateDirectory.js';
import type { KeyPair } from './auth/keyFiles.js';
import { ZAP_DOMAIN, ZapHandler } from './auth/ZapHandler.js';
import { PulseTokens } from './PulseTokens.js';

export interface PoolMember {
  id: string;
  path: PoolPath;
  pid: number;
  host: string;
  joinedAt: number;
  lastSeen: number;
  /** Silence is allowed until then (the worker said it is building tables). */
  graceUntil: number;
}

/** What a path's dispatcher does with its workers' messages. */
export interface PathDispatcher {
  addWorker(id: string, initialCredit: number): void;
  /** The worker has its tables for `run` and can take its frames without delay. */
  seriesReady(id: string, run: number): void;
  grant(id: string, credit: number): void;
  removeWorker(id: string, reason: string): void;
  /** The worker's process crashed (after or instead of removeWorker): paths that give up frames
   * that kill workers count it. */
  workerCrashed?(id: string): void;
  /** True when the message answered a task the worker held (its credit comes back). */
  onWorkerMessage(id: string, msg: Extract<WorkerMessage, { t: 'result' | 'failed' }>): boolean;
  /** When the task the worker has held longest was sent (ms since the epoch), or null. */
  oldestSentAt(id: string): number | null;
}

export interface WorkerBrokerOptions {
  /** e.g. tcp://127.0.0.1:5600; port 0 picks a free port. */
  endpoint: string;
  heartbeatMs: number;
  logger: Logger;
  /** Sent to every worker when it joins (the analysis configuration). */
  workerConfig: unknown;
  /** A worker that holds a frame this long without answering is dropped and its frames go to
   * others (a worker that heartbeats but never works must not hold a series open for ever). */
  taskTimeoutMs: number;
  /** The largest shared-memory slot a worker may offer (the configured slot size). */
  maxSlotBytes: number;
  /** CURVE on the TCP endpoint: the pipeline's key pair and the workers' public keys. */
  auth?: { keyPair: KeyPair; authorized: Set<string> } | null;
}

const LIVENESS = 3;
/** Longest table build a worker may announce (a 16M detector takes a few seconds). */
const MAX_BUILD_GRACE_MS = 60_000;
/** Frames a worker may hold at once, whatever it asks for. */
const MAX_CREDIT = 16;
/** Messages queued per worker connection before libzmq stops reading it (a worker has at most
 * its credit's answers and a heartbeat outstanding). */
const RECEIVE_HWM = 64;

export class WorkerBroker {
  private readonly socket: Router;
  private readonly sender: SendQueue;
  private readonly members = new Map<string, PoolMember>();
  /** Local workers that left, by pid, for their process's exit reported after (processExited). */
  private readonly leftLocal = new Map<number, { id: string; path: PoolPath }>();
  private readonly routingIds = new Map<string, Buffer>();
  private readonly dispatchers = new Map<PoolPath, PathDispatcher>();
  /** Shared-memory frame slots of the members that offered them and could be mapped. */
  private readonly slots = new Map<string, SharedFrameSlots>();
  private readonly pulseTokens = new PulseTokens();
  private timer: NodeJS.Timeout | undefined;
  private boundEndpoint = '';
  private ipcEndpoint: string | null = null;
  private ipcDir: string | null = null;
  private zap: ZapHandler | undefined;
  /** Messages that were not understood (counted, logged with a rate limit, dropped). */
  badMessages = 0;
  workersLost = 0;
  /** Results that were not accepted (each cost its worker its membership). */
  badResults = 0;
  /** Workers dropped for holding a frame longer than taskTimeoutMs. */
  workersTimedOut = 0;
  private readonly logLimit = new LogRateLimiter(DEFAULT_RATE_LIMIT);
  /** Tasks whose bytes went through shared memory, and over the socket. */
  tasksShared = 0;
  tasksInline = 0;
  /** Pulses that kept a member alive, and pulses of memberships that had ended (ignored). */
  pulses = 0;
  stalePulses = 0;
  /** Workers that joined without the shared memory they wanted to offer (e.g. /dev/shm full):
   * their frames go over the socket. */
  workersWithoutSharedMemory = 0;

  constructor(private readonly options: WorkerBrokerOptions) {
    // Before the socket exists: libzmq numbers anonymous peers from rand(), which it never
    // seeds; unseeded, a stranger could predict the numbers and make libzmq abort on a
    // duplicate (see native/src/libc_random.c).
    seedLibcRandom();
    this.socket = new Router({
      mandatory: true,
      linger: 0,
      maxMessageSize: MAX_WORKER_MESSAGE_BYTES,
      receiveHighWaterMark: RECEIVE_HWM,
    });
    this.sender = new SendQueue(this.socket, (err) =>
      this.options.logger.debug({ err: err.message }, 'send to a worker failed (it has gone)'),
    );
  }

  /** The endpoint workers should connect to (with the real port when 0 was asked for). */
  get endpoint(): string {
    return this.boundEndpoint;
  }

  registerPath(path: PoolPath, dispatcher: PathDispatcher): void {
    this.dispatchers.set(path, dispatcher);
  }

  /** The endpoint for workers on this machine: a Unix socket, cheaper than TCP loopback for
   * the megabytes each frame carries (null when IPC could not be bound). */
  get localEndpoint(): string | null {
    return this.ipcEndpoint;
  }

  /** Connections the authentication handler refused (CURVE with an unknown key, or none). */
  get refusedConnections(): number {
    return this.zap?.refused ?? 0;
  }

  async bind(): Promise<string> {
    const endpoint = this.options.endpoint.replace(/:0$/, ':*');
    const auth = this.options.auth;
    if (auth) {
      // Every endpoint speaks CURVE (options set after a bind would apply to later binds only):
      // local workers over the Unix socket use the pipeline's own key pair.
      this.zap = new ZapHandler(auth.authorized, (address, reason) =>
        this.warnThinned('refused', { address, reason }, 'worker connection refused'),
      );
      await this.zap.start();
      this.socket.curveServer = true;
      this.socket.curveSecretKey = auth.keyPair.secretKey;
      this.socket.zapDomain = ZAP_DOMAIN;
      this.socket.zapEnforceDomain = true;
    }
    await this.socket.bind(endpoint);
    this.boundEndpoint = (this.socket.lastEndpoint ?? endpoint).replace('0.0.0.0', hostname());
    // Local workers: a Unix socket in a directory only this user can enter.
    this.ipcDir = makePrivateTempDirectory('stream-pipeline-ipc-');
    const ipc = `ipc://${join(this.ipcDir, 'workers.ipc')}`;
    try {
      await this.socket.bind(ipc);
      this.ipcEndpoint = ipc;
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'no IPC endpoint for local workers; they use TCP');
    }
    this.timer = setInterval(() => this.tick(), this.options.heartbeatMs);
    void this.receiveLoop();
    return this.boundEndpoint;
  }

  membersOf(path?: PoolPath): PoolMember[] {
    return [...this.members.values()].filter((m) => !path || m.path === path);
  }

  send(id: string, msg: BrokerMessage, data?: Uint8Array): void {
    const rid = this.routingIds.get(id);
    if (!rid) return;
    if (msg.t === 'task' && data) {
      const slots = this.slots.get(id);
      const slot = slots?.claim(msg.task.id, data) ?? -1;
      if (slots && slot >= 0) {
        this.tasksShared++;
        this.sender.send([
          rid,
          encodePoolMessage({ ...msg, slot, length: data.byteLength, region: slots.layout.name }),
        ]);
        return;
      }
      this.tasksInline++;
    }
    const header = encodePoolMessage(msg);
    this.sender.send(data ? [rid, header, data] : [rid, header]);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const id of this.members.keys()) this.send(id, { t: 'stop' });
    // Give the stop messages a moment to leave before the socket goes.
    await new Promise((r) => setTimeout(r, 50));
    this.socket.close();
    this.zap?.close();
    if (this.ipcDir) rmSync(this.ipcDir, { recursive: true, force: true });
  }

  private async receiveLoop(): Promise<void> {
    try {
      for await (const [rid, header] of this.socket) {
        if (!rid || !header) continue;
        this.handle(rid, header);
      }
    } catch (err) {
      if (!this.socket.closed) this.options.logger.error({ err }, 'worker broker receive loop failed');
    }
  }

  /** One worker message; nothing a worker sends may stop the broker from hearing the others. */
  private handle(rid: Buffer, header: Buffer): void {
    const id = rid.toString('hex');
    try {
      this.dispatch(id, rid, decodeWorkerMessage(header));
    } catch (err) {
      this.badMessages++;
      this.warnThinned('bad-message', { worker: id, err: (err as Error).message }, 'message from a worker dropped');
    }
  }

  /** A warning that strangers can provoke at will: a burst per window, then a count. */
  private warnThinned(kind: string, fields: Record<string, unknown>, message: string): void {
    const { write, suppressedBefore } = this.logLimit.admit(kind);
    if (write)
      this.options.logger.warn(suppressedBefore > 0 ? { ...fields, heldBack: suppressedBefore } : fields, message);
  }

  private dispatch(id: string, rid: Buffer, msg: WorkerMessage): void {
    const member = this.members.get(id);
    if (msg.t === 'hello') return this.join(id, rid, msg);
    // Before the membership check: a pulse connection is never a member, and is never reset.
    if (msg.t === 'pulse') return this.pulse(id, msg.token);
    if (!member) {
      // A worker we declared dead (or never met) is still talking: make it start over.
      this.sender.send([rid, encodePoolMessage({ t: 'reset' })]);
      return;
    }
    member.lastSeen = Date.now();
    const dispatcher = this.dispatchers.get(member.path)!;
    switch (msg.t) {
      case 'heartbeat':
        return;
      case 'building':
        member.graceUntil = Date.now() + Math.min(Math.max(0, msg.ms), MAX_BUILD_GRACE_MS);
        return;
      case 'ready':
        member.graceUntil = 0;
        if (msg.error)
          this.options.logger.warn(
            { worker: id, run: msg.run, reason: msg.error },
            'worker could not set up the series',
          );
        dispatcher.seriesReady(id, msg.run);
        return;
      case 'result':
      case 'failed':
        if (msg.t === 'failed' && msg.code === 'bad-result') return this.dropFaulty(id, msg.detail);
        // Answering means any announced build is over: silence is suspicious again.
        member.graceUntil = 0;
        this.slots.get(id)?.release(msg.id);
        // Credit comes back only for a task the worker really held: a stale answer (after a
        // redelivery) must not let a worker hold more than it asked for.
        if (dispatcher.onWorkerMessage(id, msg)) dispatcher.grant(id, 1);
        return;
      case 'bye':
        this.leave(id, 'said goodbye');
        return;
    }
  }

  /** A pulse: hearing from the member its token names. One that names nobody is a bad message
   * (forged, or meant for another pipeline); it keeps no one alive. */
  private pulse(connection: string, token: string): void {
    const verdict = this.pulseTokens.check(token);
    if (verdict === 'retired') {
      this.stalePulses++;
      return;
    }
    const member = verdict === 'unknown' ? undefined : this.members.get(verdict.member);
    if (!member) {
      this.badMessages++;
      this.warnThinned('bad-pulse', { connection }, 'pulse with a token no member was given: dropped');
      return;
    }
    this.pulses++;
    member.lastSeen = Date.now();
  }

  /**
   * A worker sent a result that could not be accepted: it is faulty (or of another version, or
   * hostile), so it leaves and its frames go to the others; told to start over, it may rejoin.
   */
  private dropFaulty(id: string, reason: string): void {
    this.badResults++;
    this.warnThinned(
      'bad-result',
      { worker: id, reason },
      'worker sent a result that was not accepted: dropped, its frames go to others',
    );
    this.expel(id, `sent a bad result (${reason})`);
  }

  /** Drops a member that is alive but faulty; its frames go to others, and it is told to start
   * over (a merely slow or confused worker rejoins). */
  private expel(id: string, reason: string): void {
    const rid = this.routingIds.get(id);
    this.leave(id, reason);
    if (rid) this.sender.send([rid, encodePoolMessage({ t: 'reset' })]);
  }

  private join(id: string, rid: Buffer, msg: Extract<WorkerMessage, { t: 'hello' }>): void {
    const dispatcher = this.dispatchers.get(msg.path);
    if (!dispatcher) {
      this.badMessages++;
      this.options.logger.warn({ worker: id, path: msg.path }, 'worker asked for an unknown path');
      return;
    }
    if (this.members.has(id)) this.leave(id, 'joined again');
    const now = Date.now();
    this.members.set(id, {
      id,
      path: msg.path,
      pid: msg.pid,
      host: msg.host,
      joinedAt: now,
      lastSeen: now,
      graceUntil: 0,
    });
    this.routingIds.set(id, rid);
    const credit = Math.min(MAX_CREDIT, msg.credit);
    const shm = msg.shm !== undefined && this.attachSlots(id, msg, credit);
    if (msg.noShm !== undefined) this.noSharedMemory(id, msg);
    const pulse = this.pulseTokens.issue(id);
    this.send(id, {
      t: 'welcome',
      heartbeatMs: this.options.heartbeatMs,
      config: this.options.workerConfig,
      shm,
      pulse,
    });
    dispatcher.addWorker(id, credit);
    this.options.logger.info({ worker: id, path: msg.path, pid: msg.pid, host: msg.host }, 'worker joined');
  }

  /** A worker could not make the shared memory it wanted to offer: counted, and said in the
   * pipeline's log too (the worker's own log may be on another machine, or not kept). */
  private noSharedMemory(id: string, msg: Extract<WorkerMessage, { t: 'hello' }>): void {
    this.workersWithoutSharedMemory++;
    this.warnThinned(
      'no-shm',
      { worker: id, pid: msg.pid, host: msg.host, reason: msg.noShm },
      'worker has no shared memory for frames: they go over the socket',
    );
  }

  /** Maps a worker's frame slots; false (bytes go over the socket) when they cannot be reached. */
  private attachSlots(id: string, msg: Extract<WorkerMessage, { t: 'hello' }>, credit: number): boolean {
    try {
      const slots = SharedFrameSlots.attach(msg.shm, { slots: credit, slotBytes: this.options.maxSlotBytes });
      // Both ends have it mapped now: no name is left behind, however either end goes.
      slots.unlink();
      this.slots.set(id, slots);
      return true;
    } catch (err) {
      // Expected for a worker on another machine (or in another container).
      const level = msg.host === hostname() ? 'warn' : 'debug';
      this.options.logger[level](
        { worker: id, host: msg.host, err: (err as Error).message },
        "worker's shared memory not reachable: its frames go over the socket",
      );
      return false;
    }
  }

  /**
   * A local worker's process exited (its supervisor saw it): the frames it held, now or when it
   * was last removed, count a crash. Only this makes a frame poison; silence never does.
   */
  processExited(pid: number): void {
    const member = [...this.members.values()].find((m) => m.pid === pid && m.host === hostname());
    const known = member ? { id: member.id, path: member.path } : this.leftLocal.get(pid);
    if (!known) return;
    this.leftLocal.delete(pid);
    this.dispatchers.get(known.path)?.workerCrashed?.(known.id);
    if (member) this.leave(member.id, 'its process exited');
  }

  private leave(id: string, reason: string): void {
    const member = this.members.get(id);
    if (!member) return;
    if (member.host === hostname()) {
      this.leftLocal.set(member.pid, { id, path: member.path });
      for (const pid of this.leftLocal.keys()) if (this.leftLocal.size > 256) this.leftLocal.delete(pid);
    }
    this.members.delete(id);
    this.pulseTokens.retire(id);
    this.slots.get(id)?.close();
    this.slots.delete(id);
    this.dispatchers.get(member.path)!.removeWorker(id, reason);
    this.routingIds.delete(id);
    this.options.logger.info({ worker: id, path: member.path, pid: member.pid, reason }, 'worker left');
  }

  private tick(): void {
    const now = Date.now();
    const deadline = now - LIVENESS * this.options.heartbeatMs;
    for (const member of [...this.members.values()]) {
      const oldest = this.dispatchers.get(member.path)!.oldestSentAt(member.id);
      if (member.lastSeen < deadline && member.graceUntil < now) {
        this.workersLost++;
        this.leave(member.id, `silent for ${LIVENESS} heartbeats`);
      } else if (oldest !== null && now - oldest > this.options.taskTimeoutMs && member.graceUntil < now) {
        // Alive but not working: its frames go to others; if it is merely slow, it starts over.
        this.workersTimedOut++;
        this.expel(member.id, `held a frame ${Math.round((now - oldest) / 1000)} s without answering`);
      } else {
        this.send(member.id, { t: 'heartbeat' });
      }
    }
  }
}
