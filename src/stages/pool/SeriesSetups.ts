// The series set-ups (geometry, pixel mask) workers need before their first task of a run.
// Every worker gets a run's set-up when the series starts (so all build their tables at once)
// or, if it joins later, just before its first task of the run; the ZeroMQ connection keeps
// the order, so the set-up always arrives first. A set-up is kept until its run is finished on
// the good path (forget), however long a backlog takes to work off.
//
// A set-up carries the pixel mask (17 MB for a 4M detector, 268 MB for 8192 x 8192), so a
// stream of series starts must not queue one after another at every worker: at most
// MAX_UNANSWERED set-ups go to a worker ahead of its 'ready' for them; the rest wait here as
// run numbers and go out as the worker answers, unless their run was finished meanwhile (a
// start with no frames). Only a task needing its set-up sends one past that limit.
import type { SeriesStart } from '../../receiver/events.js';
import { SETUP_FIELDS, type SeriesSetup } from './protocol.js';
import type { WorkerBroker } from './WorkerBroker.js';

interface Entry {
  setup: SeriesSetup;
  mask: Uint8Array | undefined;
}

/** Set-ups sent to a worker ahead of tasks and not yet answered with 'ready'. */
export const MAX_UNANSWERED = 2;

export class SeriesSetups {
  private readonly entries = new Map<number, Entry>();
  private readonly sentTo = new Map<string, Set<number>>();
  /** Per worker: set-ups sent and not answered yet; runs waiting to be offered, oldest first. */
  private readonly unanswered = new Map<string, Set<number>>();
  private readonly waiting = new Map<string, number[]>();

  add(start: SeriesStart, run: number): void {
    const { pixelMask } = start;
    const maskChannel = start.channels.find((c) => pixelMask[c]) ?? Object.keys(pixelMask)[0] ?? null;
    const mask = maskChannel ? pixelMask[maskChannel] : undefined;
    const setup = { run, maskChannel } as SeriesSetup;
    for (const key of SETUP_FIELDS) (setup as Record<string, unknown>)[key] = start[key];
    this.entries.set(run, {
      setup,
      mask: mask ? new Uint8Array(mask.buffer, mask.byteOffset, mask.byteLength) : undefined,
    });
  }

  has(run: number): boolean {
    return this.entries.has(run);
  }

  /** Runs whose set-ups are held (for tests and /status). */
  get size(): number {
    return this.entries.size;
  }

  /** Sends the set-up of `run` to `workerId` unless it already has it. False when unknown. */
  ensureSent(broker: WorkerBroker, workerId: string, run: number): boolean {
    const entry = this.entries.get(run);
    if (!entry) return false;
    let sent = this.sentTo.get(workerId);
    if (!sent) this.sentTo.set(workerId, (sent = new Set()));
    if (!sent.has(run)) {
      broker.send(workerId, { t: 'series', setup: entry.setup }, entry.mask);
      sent.add(run);
      this.unansweredOf(workerId).add(run);
    }
    return true;
  }

  /** Offers the set-up to every worker now, so all build their tables while the first frames
   * arrive (each as soon as it has answered the set-ups before). */
  broadcast(broker: WorkerBroker, run: number): void {
    for (const m of broker.membersOf()) {
      if (this.unansweredOf(m.id).size < MAX_UNANSWERED) this.ensureSent(broker, m.id, run);
      else this.waitingOf(m.id).push(run);
    }
  }

  /** The worker has answered the set-up of `run`: the next waiting one may go. */
  answered(broker: WorkerBroker, workerId: string, run: number): void {
    const unanswered = this.unansweredOf(workerId);
    unanswered.delete(run);
    const waiting = this.waitingOf(workerId);
    while (unanswered.size < MAX_UNANSWERED && waiting.length > 0) {
      const next = waiting.shift()!;
      if (this.entries.has(next)) this.ensureSent(broker, workerId, next);
    }
  }

  /** The worker no longer has the run's set-up (it said so): send it again before the next task. */
  unsent(workerId: string, run: number): void {
    this.sentTo.get(workerId)?.delete(run);
    this.unanswered.get(workerId)?.delete(run);
  }

  /** The run is finished: drop its set-up here and tell the workers to drop theirs. */
  forget(broker: WorkerBroker, run: number): void {
    if (!this.entries.delete(run)) return;
    for (const [workerId, sent] of this.sentTo) {
      if (sent.delete(run)) broker.send(workerId, { t: 'forget', run });
    }
    for (const waiting of this.waiting.values()) {
      const at = waiting.indexOf(run);
      if (at !== -1) waiting.splice(at, 1);
    }
  }

  forgetWorker(workerId: string): void {
    this.sentTo.delete(workerId);
    this.unanswered.delete(workerId);
    this.waiting.delete(workerId);
  }

  private unansweredOf(workerId: string): Set<number> {
    let u = this.unanswered.get(workerId);
    if (!u) this.unanswered.set(workerId, (u = new Set()));
    return u;
  }

  private waitingOf(workerId: string): number[] {
    let w = this.waiting.get(workerId);
    if (!w) this.waiting.set(workerId, (w = []));
    return w;
  }
}
