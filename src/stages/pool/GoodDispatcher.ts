// The good (full, lossless) path: every frame goes to exactly one worker and comes back
// exactly once. Frames wait in a ReliableQueue (memory, then disk) until a worker grants
// credit; a dead worker's unacknowledged frames are handed to the others.
import type { Logger } from 'pino';
import type { Collector } from '../collector/Collector.js';
import { ReliableQueue } from './ReliableQueue.js';
import type { SeriesSetups } from './SeriesSetups.js';
import type { Task } from './Task.js';
import type { PathDispatcher, WorkerBroker } from './WorkerBroker.js';
import type { WorkerMessage } from './protocol.js';

export interface GoodDispatcherOptions {
  memoryBudgetBytes: number;
  spillDir: string;
}

export class GoodDispatcher implements PathDispatcher {
  readonly queue: ReliableQueue;
  duplicates = 0;

  constructor(
    private readonly broker: WorkerBroker,
    private readonly setups: SeriesSetups,
    private readonly collector: Collector,
    private readonly logger: Logger,
    options: GoodDispatcherOptions,
  ) {
    this.queue = new ReliableQueue({ ...options, name: 'good' });
  }

  submit(task: Task): void {
    this.queue.enqueue(task);
    this.pump();
  }

  addWorker(id: string, credit: number): void {
    this.queue.addWorker(id);
    this.queue.grant(id, credit);
    this.pump();
  }

  /** The good path sends regardless: its frames wait at the worker, in order, without loss. */
  seriesReady(_id: string, _series: number): void {}

  grant(id: string, credit: number): void {
    this.queue.grant(id, credit);
    this.pump();
  }

  removeWorker(id: string, reason: string): void {
    const n = this.queue.removeWorker(id);
    this.setups.forgetWorker(id);
    if (n > 0) this.logger.warn({ worker: id, reason, frames: n }, 'good worker gone: redelivering its frames');
    this.pump();
  }

  onWorkerMessage(id: string, msg: Extract<WorkerMessage, { t: 'result' | 'failed' }>): void {
    if (!this.queue.ack(id, msg.id)) {
      // Late answer for a frame already handed to someone else: the collector would drop it too.
      this.duplicates++;
      return;
    }
    if (msg.t === 'result') this.collector.result(msg.result);
    else this.collector.goodLost(msg.series, msg.frame, msg.reason);
  }

  close(): void {
    this.queue.close();
  }

  private pump(): void {
    for (let d = this.queue.next(); d; d = this.queue.next()) {
      this.setups.ensureSent(this.broker, d.workerId, d.task.header.series);
      this.broker.send(d.workerId, { t: 'task', task: d.task.header }, d.task.data);
    }
  }
}
