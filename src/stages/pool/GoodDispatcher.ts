// The good (full, lossless) path: every frame goes to exactly one worker and comes back
// exactly once; its bytes are kept until its result is in (the hit files may want them). Frames wait in a ReliableQueue (memory, then disk) until a worker grants
// credit; a dead worker's unacknowledged frames are handed to the others.
import type { Logger } from 'pino';
import type { Collector } from '../collector/Collector.js';
import { ReliableQueue } from './ReliableQueue.js';
import type { SeriesSetups } from './SeriesSetups.js';
import { stampResult, type Task, type TaskHeader } from './Task.js';
import type { FrameResult } from '../../sinks/records.js';
import type { PathDispatcher, WorkerBroker } from './WorkerBroker.js';
import type { WorkerMessage } from './protocol.js';

export interface GoodDispatcherOptions {
  memoryBudgetBytes: number;
  /** null: a private temporary directory (see SpillFile). */
  spillDir: string | null;
  /** Bytes others hold in memory under the same budget (hits waiting for the writer). */
  otherMemoryBytes?: () => number;
  /** Tests only: each spill write waits this long first, as on a disk that stalls. */
  spillWriteDelayMs?: number;
}

/** Where a good-path frame's bytes go with its result (the hit files), before they are released. */
export interface FrameKeeper {
  offer(header: TaskHeader, data: Uint8Array, result: FrameResult): void;
}

export class GoodDispatcher implements PathDispatcher {
  readonly queue: ReliableQueue;
  duplicates = 0;
  /** Tasks sent again because the worker had lost the run's set-up. */
  setupResends = 0;
  /** Answers that said a frame could not be processed (or whose result was not accepted). */
  failures = 0;

  constructor(
    private readonly broker: WorkerBroker,
    private readonly setups: SeriesSetups,
    private readonly collector: Collector,
    private readonly logger: Logger,
    options: GoodDispatcherOptions,
    private readonly hitFiles: FrameKeeper | null = null,
  ) {
    this.queue = new ReliableQueue({ ...options, name: 'good' });
    // A spilled frame read back from disk may be the one a waiting worker's credit is for.
    this.queue.onSpillReadable = () => this.pump();
  }

  submit(task: Task): void {
    const failure = this.queue.enqueue(task);
    if (failure !== null) this.collector.goodLost(task.header.run, task.header.frame, failure);
    this.pump();
  }

  addWorker(id: string, credit: number): void {
    this.queue.addWorker(id);
    this.queue.grant(id, credit);
    this.pump();
  }

  /** The good path sends its frames regardless (they wait at the worker, in order, without loss);
   * the answer only lets the next waiting set-up go to it. */
  seriesReady(id: string, run: number): void {
    this.setups.answered(this.broker, id, run);
  }

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

  workerCrashed(id: string): void {
    const n = this.queue.workerCrashed(id);
    if (n > 0)
      this.logger.warn({ worker: id, frames: n }, 'good worker crashed: redelivering its frames (each counts a crash)');
    this.pump();
  }

  onWorkerMessage(id: string, msg: Extract<WorkerMessage, { t: 'result' | 'failed' }>): boolean {
    if (msg.t === 'failed' && msg.code === 'no-setup') {
      // Not a loss (unless it keeps happening): the worker dropped the set-up; send it again,
      // then the task.
      const header = this.queue.requeue(id, msg.id, 'no-setup');
      if (!header) return false;
      this.setups.unsent(id, header.run);
      this.setupResends++;
      return true;
    }
    if (msg.t === 'failed') {
      // Tried on another worker before it is given up (then counted lost with this code).
      const header = this.queue.fail(id, msg.id, msg.code);
      if (!header) return false;
      this.failures++;
      this.logger.debug(
        { worker: id, series: header.series, frame: header.frame, code: msg.code, detail: msg.detail },
        'frame failed on a worker: trying another',
      );
      return true;
    }
    const task = this.queue.ackTask(id, msg.id);
    if (!task) {
      // Late answer for a frame already handed to someone else: the collector would drop it too.
      this.duplicates++;
      return false;
    }
    // Accounted as the frame the worker was sent, whatever the answer names.
    const result = stampResult(msg.result, task.header, 'good');
    // The hit files take the frame's bytes first: the result may complete its series.
    this.hitFiles?.offer(task.header, task.data, result);
    this.collector.result(result);
    return true;
  }

  oldestSentAt(id: string): number | null {
    return this.queue.oldestSentAt(id);
  }

  close(): void {
    this.queue.close();
  }

  private pump(): void {
    for (let d = this.queue.next(); d; d = this.queue.next()) {
      const h = d.task.header;
      if (!this.setups.ensureSent(this.broker, d.workerId, h.run)) {
        // Cannot happen while set-ups are kept until their run is finished; count it if it does.
        this.queue.ack(d.workerId, h.id);
        this.queue.grant(d.workerId, 1);
        this.collector.goodLost(h.run, h.frame, 'setup-missing');
        continue;
      }
      this.broker.send(d.workerId, { t: 'task', task: h }, d.task.data);
    }
    for (const lost of this.queue.drainLost()) this.collector.goodLost(lost.header.run, lost.header.frame, lost.reason);
  }
}
