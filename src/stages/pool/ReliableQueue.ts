// The good path's delivery guarantee, without sockets: every task is handed to a worker,
// held as in flight until that worker acknowledges it, and handed again if the worker dies.
// Workers pull by granting credit (one credit = one task they are ready to take), so a slow
// worker is never sent more than it asked for. Waiting tasks live in memory up to a budget,
// then spill to disk, oldest first out.
import { SpillFile } from './SpillFile.js';
import { type Task, taskBytes } from './Task.js';

interface WorkerState {
  credit: number;
  inFlight: Map<number, Task>;
}

export interface ReliableQueueOptions {
  memoryBudgetBytes: number;
  spillDir: string;
  name: string;
}

export interface Dispatch {
  workerId: string;
  task: Task;
}

export class ReliableQueue {
  private readonly memory: Task[] = [];
  private memoryHead = 0;
  private memoryBytes = 0;
  /** Tasks handed back after a worker died: they go out before anything newer. */
  private readonly redeliver: Task[] = [];
  private readonly spill: SpillFile;
  private readonly workers = new Map<string, WorkerState>();
  /** Round-robin order of workers, so credit is used fairly. */
  private order: string[] = [];
  private cursor = 0;
  redelivered = 0;
  spilledTotal = 0;

  constructor(private readonly options: ReliableQueueOptions) {
    this.spill = new SpillFile(options.spillDir, options.name);
  }

  /** Tasks waiting for a worker (memory + disk + redelivery). */
  get waiting(): number {
    return this.memory.length - this.memoryHead + this.spill.length + this.redeliver.length;
  }

  get waitingInMemoryBytes(): number {
    return this.memoryBytes;
  }

  get waitingOnDisk(): number {
    return this.spill.length;
  }

  get inFlight(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.inFlight.size;
    return n;
  }

  get workerCount(): number {
    return this.workers.size;
  }

  enqueue(task: Task): void {
    const size = taskBytes(task);
    // Once anything is on disk, newer tasks go there too, so order is kept.
    if (this.spill.length > 0 || this.memoryBytes + size > this.options.memoryBudgetBytes) {
      this.spill.push(task);
      this.spilledTotal++;
      return;
    }
    this.memory.push(task);
    this.memoryBytes += size;
  }

  addWorker(id: string): void {
    if (this.workers.has(id)) return;
    this.workers.set(id, { credit: 0, inFlight: new Map() });
    this.order.push(id);
  }

  hasWorker(id: string): boolean {
    return this.workers.has(id);
  }

  grant(id: string, credit: number): void {
    const w = this.workers.get(id);
    if (w) w.credit += credit;
  }

  /** A worker finished a task. False when it was not in flight there (late duplicate after a redelivery). */
  ack(id: string, taskId: number): boolean {
    const w = this.workers.get(id);
    if (!w) return false;
    return w.inFlight.delete(taskId);
  }

  /** A worker is gone: its unacknowledged tasks are handed to others. Returns how many. */
  removeWorker(id: string): number {
    const w = this.workers.get(id);
    if (!w) return 0;
    this.workers.delete(id);
    this.order = this.order.filter((x) => x !== id);
    const tasks = [...w.inFlight.values()].sort((a, b) => a.header.id - b.header.id);
    this.redeliver.push(...tasks);
    this.redelivered += tasks.length;
    return tasks.length;
  }

  /** The next task to send and to whom, or null when no task waits or no worker has credit. */
  next(): Dispatch | null {
    if (this.waiting === 0) return null;
    const workerId = this.pickWorker();
    if (workerId === null) return null;
    const task = this.take()!;
    const w = this.workers.get(workerId)!;
    w.credit--;
    w.inFlight.set(task.header.id, task);
    return { workerId, task };
  }

  close(): void {
    this.spill.close();
  }

  private pickWorker(): string | null {
    for (let i = 0; i < this.order.length; i++) {
      const id = this.order[(this.cursor + i) % this.order.length]!;
      if (this.workers.get(id)!.credit > 0) {
        this.cursor = (this.cursor + i + 1) % this.order.length;
        return id;
      }
    }
    return null;
  }

  private take(): Task | undefined {
    if (this.redeliver.length > 0) return this.redeliver.shift();
    if (this.memoryHead < this.memory.length) {
      const task = this.memory[this.memoryHead]!;
      this.memory[this.memoryHead++] = undefined as unknown as Task;
      this.memoryBytes -= taskBytes(task);
      if (this.memoryHead > 1024 && this.memoryHead * 2 > this.memory.length) {
        this.memory.splice(0, this.memoryHead);
        this.memoryHead = 0;
      }
      return task;
    }
    return this.spill.shift();
  }
}
