// The good path's delivery guarantee, without sockets: every task is handed to a worker,
// held as in flight until that worker acknowledges it, and handed again if the worker dies.
// Workers pull by granting credit (one credit = one task they are ready to take), so a slow
// worker is never sent more than it asked for.
//
// Waiting tasks live in memory whenever the memory budget has room; only when it is full do
// new tasks spill to disk (segment files deleted as they drain, see SpillFile). Tasks go out
// redeliveries first, then memory, then disk: each tier is first-in first-out, and the disk
// backlog is worked off when the input slows down or the series ends. The memory budget
// therefore stays in use while older tasks wait on disk.
//
// Disk trouble never throws out of here: enqueue returns a reason for a task it could not
// store, and tasks that could not be read back are listed by drainLost(), so the caller can
// count each such frame as lost.
//
// A frame must not be able to stop its series: one whose workers keep dying while they hold it
// (a frame that crashes the decoder, say) is given up after MAX_WORKER_DEATHS, and one whose
// workers keep handing it back is given up after MAX_HAND_BACKS; both are listed by drainLost().
// A frame a worker could not process (it answered 'failed', or with a result that was not
// accepted) is tried on another worker, one that has not failed it, before it is given up.
import { type LostTask, SpillFile } from './SpillFile.js';
import { type Task, type TaskHeader, taskBytes } from './Task.js';
import { CreditRing } from './CreditRing.js';
import { FifoQueue } from '../../util/FifoQueue.js';
import { inFlightCount, oldestSentAt, type Outstanding } from './outstanding.js';
import type { LostReason } from '../../sinks/records.js';

/** Worker processes that may crash holding one task before it is given up as 'worker-died'. */
export const MAX_WORKER_DEATHS = 3;
/** Memory the queue may use beyond its budget, as a multiple of it, while the disk refuses. */
export const OVERDRAFT = 2;
/** Workers removed (silent, gone) whose held tasks are remembered, for a crash reported later. */
const REMEMBERED_REMOVALS = 256;
/** Times one task may be handed back unprocessed (requeue) before it is given up. */
export const MAX_HAND_BACKS = 3;
/** Different workers that may fail one task before it is given up with the last one's reason. */
export const MAX_FAILURES = 3;

type WorkerState = Outstanding<Task>;

interface Comebacks {
  deaths: number;
  handBacks: number;
  failures: number;
  /** Workers that failed this task or were removed while holding it: it is not sent to them
   * again (a worker dropped for a bad answer may rejoin under the same id). */
  avoid: Set<string>;
}

export interface ReliableQueueOptions {
  memoryBudgetBytes: number;
  /** null: a private temporary directory (see SpillFile). */
  spillDir: string | null;
  name: string;
  /** Bytes held in memory by others under the same budget (hits waiting for the writer). */
  otherMemoryBytes?: () => number;
  /** Largest spill segment file before a new one is started (default 64 MB). */
  spillSegmentBytes?: number;
  /** Bytes of spilled tasks that may wait in memory to be written (default 64 MB). */
  spillWriteBufferBytes?: number;
  /** Tests only: each spill write waits this long first, as on a disk that stalls. */
  spillWriteDelayMs?: number;
}

export interface Dispatch {
  workerId: string;
  task: Task;
}

export class ReliableQueue {
  private readonly memory = new FifoQueue<Task>();
  private memoryBytes = 0;
  /** Tasks handed back after a worker died: they go out before anything newer. */
  private readonly redeliver: Task[] = [];
  private readonly spill: SpillFile;
  private readonly workers = new Map<string, WorkerState>();
  /** Who gets the next task: credit, round-robin. */
  private readonly ring = new CreditRing();
  /** next()'s choice in progress: the task taken for the worker asked, and whether only
   * unreadable spill records were left (fields, not a closure per call: next() runs per frame). */
  private picked: Task | undefined;
  private onlyUnreadable = false;
  private readonly takeFor = (id: string): boolean => {
    if (this.onlyUnreadable) return false;
    this.picked = this.take(id);
    // Nothing for this worker: only others' redeliveries are left, or only unreadable spill records.
    if (this.picked === undefined && this.waiting !== this.redeliver.length) this.onlyUnreadable = true;
    return this.picked !== undefined;
  };
  /** Per task that has come back (death or hand-back): how often, until it is acknowledged. */
  private readonly comebacks = new Map<number, Comebacks>();
  /** Tasks each recently removed worker held when it was removed (see workerCrashed). */
  private readonly removed = new Map<string, number[]>();
  /** Tasks given up (see MAX_WORKER_DEATHS), until drainLost(). */
  private givenUp: LostTask[] = [];
  redelivered = 0;
  spilledTotal = 0;
  /** Frames kept in memory beyond the budget because the spill would not take them. */
  private keptHere = 0;

  constructor(private readonly options: ReliableQueueOptions) {
    this.spill = new SpillFile(options.spillDir, options.name, options.spillSegmentBytes, {
      ...(options.spillWriteBufferBytes !== undefined && { writeBufferBytes: options.spillWriteBufferBytes }),
      ...(options.spillWriteDelayMs !== undefined && { writeDelayMs: options.spillWriteDelayMs }),
    });
  }

  /** Called when a spilled task that next() could not give before has been read back. */
  set onSpillReadable(wake: (() => void) | null) {
    this.spill.onReadable = wake;
  }

  /** Bytes of spilled tasks still in memory, on their way to disk. */
  get spillBufferedBytes(): number {
    return this.spill.bufferedBytes;
  }

  /** Spilled tasks already written to disk (the rest are still in memory, on their way). */
  get spillWritten(): number {
    return this.spill.writtenRecords;
  }

  /** The disk is well behind the spill: the receiver should wait (whenSpillCaughtUp) before the
   * next frame rather than have frames refused by it. */
  get spillBehind(): boolean {
    return this.spill.writeBacklogFull;
  }

  whenSpillCaughtUp(): Promise<void> {
    return this.spill.whenWriteRoom();
  }

  /** Waits until no spill I/O is in flight (tests). */
  spillSettled(): Promise<void> {
    return this.spill.settled();
  }

  /** Frames kept in memory beyond the budget because the disk refused them: here, when the spill
   * would not take them, or in the spill's write buffer, when the disk would not write them. */
  get keptOverBudget(): number {
    return this.keptHere + this.spill.keptUnwritten;
  }

  /** Tasks waiting for a worker (memory + disk + redelivery). */
  get waiting(): number {
    return this.memory.length + this.spill.length + this.redeliver.length;
  }

  get waitingInMemoryBytes(): number {
    return this.memoryBytes;
  }

  get waitingOnDisk(): number {
    return this.spill.length;
  }

  get inFlight(): number {
    return inFlightCount(this.workers);
  }

  /** Bytes of waiting tasks held in spill files. */
  get diskBytes(): number {
    return this.spill.diskBytes;
  }

  /** The last spill I/O error, for the caller's log (null when there has been none). */
  get lastSpillError(): Error | null {
    return this.spill.lastError;
  }

  get workerCount(): number {
    return this.workers.size;
  }

  /**
   * Stores a task until a worker takes it. Returns null when stored, or a short reason
   * (e.g. "spill-failed") when memory was full and the disk refused it even beyond the
   * OVERDRAFT: the task is then gone.
   */
  enqueue(task: Task): LostReason | null {
    const size = taskBytes(task);
    const shared = this.options.otherMemoryBytes?.() ?? 0;
    if (this.memoryBytes + shared + size > this.options.memoryBudgetBytes) {
      const failed = this.spill.push(task);
      if (failed === null) {
        this.spilledTotal++;
        return null;
      }
      // The disk refused it (full, failing, gone, or behind with its write buffer full): rather
      // than lose the frame, it waits in memory beyond the budget, up to OVERDRAFT times the
      // budget, counted; only beyond that is it lost. It goes out before the spilled frames
      // (order is not a promise, once is). The write buffer is bounded on its own.
      if (this.memoryBytes + shared + size > OVERDRAFT * this.options.memoryBudgetBytes) return failed;
      this.keptHere++;
    }
    this.memory.push(task);
    this.memoryBytes += size;
    return null;
  }

  /**
   * Spilled tasks skipped because they could not be read back from disk, since the last call:
   * their id, series and frame, and the reason. Each is reported once; none is ever sent.
   */
  drainLost(): LostTask[] {
    const lost = [...this.givenUp, ...this.spill.drainLost()];
    this.givenUp = [];
    return lost;
  }

  addWorker(id: string): void {
    if (this.workers.has(id)) return;
    this.workers.set(id, { inFlight: new Map(), sentAt: new Map() });
    this.ring.add(id);
  }

  hasWorker(id: string): boolean {
    return this.workers.has(id);
  }

  grant(id: string, credit: number): void {
    this.ring.grant(id, credit);
  }

  /**
   * A worker finished a task: the header it was sent (what the answer is about, whatever the
   * answer says), or null when the task was not in flight there (late duplicate after a redelivery).
   */
  ack(id: string, taskId: number): TaskHeader | null {
    return this.ackTask(id, taskId)?.header ?? null;
  }

  /** As ack, with the task's bytes (the hit files take a hit's bytes from here). */
  ackTask(id: string, taskId: number): Task | null {
    const task = this.takeInFlight(id, taskId);
    if (task === undefined) return null;
    this.comebacks.delete(taskId);
    return task;
  }

  /**
   * A worker hands a task back unprocessed (e.g. it had lost the run's set-up): the task goes
   * out again before anything newer, or, after MAX_HAND_BACKS, is given up (drainLost, with
   * `reason`). Returns the task's header, or null when it was not in flight there.
   */
  requeue(id: string, taskId: number, reason: LostReason): TaskHeader | null {
    const task = this.takeInFlight(id, taskId);
    if (task === undefined) return null;
    if (++this.comebacksOf(taskId).handBacks >= MAX_HAND_BACKS) this.giveUp(task, reason);
    else this.redeliver.unshift(task);
    return task.header;
  }

  /**
   * A worker could not process a task: it goes out again, to a worker that has not failed it,
   * before anything newer; or, once MAX_FAILURES workers have failed it or no other worker is
   * left to try, it is given up (drainLost, with `reason`). Returns the task's header, or null
   * when it was not in flight there.
   */
  fail(id: string, taskId: number, reason: LostReason): TaskHeader | null {
    const task = this.takeInFlight(id, taskId);
    if (task === undefined) return null;
    const c = this.comebacksOf(taskId);
    c.avoid.add(id);
    if (++c.failures >= MAX_FAILURES || !this.someWorkerOutside(c.avoid)) this.giveUp(task, reason);
    else {
      this.redeliver.unshift(task);
      this.redelivered++;
    }
    return task.header;
  }

  /** When the task `id` has held longest was sent, or null when it holds none. */
  oldestSentAt(id: string): number | null {
    return oldestSentAt(this.workers.get(id));
  }

  /**
   * A worker is gone (silent, said goodbye, joined again, dropped): its unacknowledged tasks go
   * out again, to others where others can take them, at no cost to them: a worker that went
   * quiet on a starved machine is slow, not broken, and the frames it held did nothing wrong.
   * Returns how many were handed back.
   */
  removeWorker(id: string): number {
    return this.handBack(id, false);
  }

  /**
   * A worker's process crashed (it exited) holding tasks: each counts a death, and a task that
   * has now been held by MAX_WORKER_DEATHS crashed workers is given up as 'worker-died' (a frame
   * that kills workers is not tried for ever). The worker may already have been removed for
   * silence: then the tasks it held then are counted, wherever they wait. Returns how many.
   */
  workerCrashed(id: string): number {
    if (this.workers.has(id)) return this.handBack(id, true);
    const held = this.removed.get(id);
    this.removed.delete(id);
    return held ? this.countDeaths(held) : 0;
  }

  /** Removes a worker, its tasks going out again before anything newer (sent to others where
   * others can take them); with `crashed`, each counts a death first. */
  private handBack(id: string, crashed: boolean): number {
    const w = this.workers.get(id);
    if (!w) return 0;
    this.workers.delete(id);
    this.ring.remove(id);
    const tasks = [...w.inFlight.values()].sort((a, b) => a.header.id - b.header.id);
    for (const task of tasks) {
      const c = this.comebacksOf(task.header.id);
      c.avoid.add(id);
      if (crashed && ++c.deaths >= MAX_WORKER_DEATHS) this.giveUp(task, 'worker-died');
      else {
        this.redeliver.push(task);
        this.redelivered++;
      }
    }
    if (crashed) this.removed.delete(id);
    else {
      this.removed.set(
        id,
        tasks.map((t) => t.header.id),
      );
      for (const old of this.removed.keys()) if (this.removed.size > REMEMBERED_REMOVALS) this.removed.delete(old);
    }
    this.giveUpUntriable();
    return tasks.length;
  }

  /** Counts a crash against each task still unfinished; gives up those waiting for another try. */
  private countDeaths(taskIds: number[]): number {
    let counted = 0;
    for (const taskId of taskIds) {
      const at = this.redeliver.findIndex((t) => t.header.id === taskId);
      const waiting = at !== -1;
      if (!waiting && !this.isInFlight(taskId)) continue; // finished meanwhile
      const c = this.comebacksOf(taskId);
      counted++;
      if (++c.deaths < MAX_WORKER_DEATHS || !waiting) continue;
      const [task] = this.redeliver.splice(at, 1);
      this.giveUp(task!, 'worker-died');
    }
    return counted;
  }

  private isInFlight(taskId: number): boolean {
    for (const w of this.workers.values()) if (w.inFlight.has(taskId)) return true;
    return false;
  }

  /** Failed tasks waiting for a worker that has not failed them, when no such worker is left
   * (with no workers at all, tasks wait for one as always). */
  private giveUpUntriable(): void {
    if (this.workers.size === 0) return;
    for (let i = this.redeliver.length - 1; i >= 0; i--) {
      const task = this.redeliver[i]!;
      const c = this.comebacks.get(task.header.id);
      if (c && c.failures > 0 && !this.someWorkerOutside(c.avoid)) {
        this.redeliver.splice(i, 1);
        this.giveUp(task, 'failed-on-every-worker');
      }
    }
  }

  private someWorkerOutside(ids: Set<string>): boolean {
    for (const id of this.workers.keys()) if (!ids.has(id)) return true;
    return false;
  }

  /** Removes a task from a worker's in-flight set; undefined when it was not there. */
  private takeInFlight(id: string, taskId: number): Task | undefined {
    const w = this.workers.get(id);
    const task = w?.inFlight.get(taskId);
    if (task !== undefined) {
      w!.inFlight.delete(taskId);
      w!.sentAt.delete(taskId);
    }
    return task;
  }

  private comebacksOf(taskId: number): Comebacks {
    let c = this.comebacks.get(taskId);
    if (!c) this.comebacks.set(taskId, (c = { deaths: 0, handBacks: 0, failures: 0, avoid: new Set() }));
    return c;
  }

  private giveUp(task: Task, reason: LostReason): void {
    this.comebacks.delete(task.header.id);
    const { id, run, series, frame } = task.header;
    this.givenUp.push({ header: { id, run, series, frame }, reason });
  }

  /**
   * The next task to send and to whom, or null when no task waits or no worker has credit.
   * A spilled task that cannot be read back is skipped (see drainLost).
   */
  next(): Dispatch | null {
    if (this.waiting === 0) return null;
    // The first worker in turn that there is a task for takes it (a task a worker has failed is
    // not for that worker).
    this.picked = undefined;
    this.onlyUnreadable = false;
    const workerId = this.ring.choose(this.takeFor);
    const task = this.picked as Task | undefined;
    this.picked = undefined;
    if (workerId === null || task === undefined) return null;
    const w = this.workers.get(workerId)!;
    w.inFlight.set(task.header.id, task);
    w.sentAt.set(task.header.id, Date.now());
    return { workerId, task };
  }

  /** Removes the spill files; tasks still waiting on disk are dropped. */
  close(): void {
    this.spill.close();
  }

  /** The next task for `workerId`: a redelivery meant for it, else the oldest waiting. */
  private take(workerId: string): Task | undefined {
    for (let i = 0; i < this.redeliver.length; i++) {
      const task = this.redeliver[i]!;
      const avoid = this.comebacks.get(task.header.id)?.avoid;
      // Not to a worker that failed it or was dropped holding it, while another could take it.
      if (avoid?.has(workerId) && this.someWorkerOutside(avoid)) continue;
      this.redeliver.splice(i, 1);
      return task;
    }
    const task = this.memory.shift();
    if (task === undefined) return this.spill.shift();
    this.memoryBytes -= taskBytes(task);
    return task;
  }
}
