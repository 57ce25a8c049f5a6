// The series set-ups (geometry, pixel mask) workers need before their first task of a run.
// Every worker gets a run's set-up when the series starts (so all build their tables at once)
// or, if it joins later, just before its first task of the run; the ZeroMQ connection keeps
// the order, so the set-up always arrives first. A set-up is kept until its run is finished on
// the good path (forget), however long a backlog takes to work off.
import type { SeriesStart } from '../../receiver/events.js';
import type { SeriesSetup } from './protocol.js';
import type { WorkerBroker } from './WorkerBroker.js';

interface Entry {
  setup: SeriesSetup;
  mask: Uint8Array | undefined;
}

export class SeriesSetups {
  private readonly entries = new Map<number, Entry>();
  private readonly sentTo = new Map<string, Set<number>>();

  add(start: SeriesStart, run: number): void {
    const { pixelMask, flatfield: _f, countrateTable: _c, type: _t, ...rest } = start;
    const maskChannel = start.channels.find((c) => pixelMask[c]) ?? Object.keys(pixelMask)[0] ?? null;
    const mask = maskChannel ? pixelMask[maskChannel] : undefined;
    this.entries.set(run, {
      setup: { ...rest, run, maskChannel },
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
    }
    return true;
  }

  /** Sends the set-up to every worker now, so all build their tables while the first frames arrive. */
  broadcast(broker: WorkerBroker, run: number): void {
    for (const m of broker.membersOf()) this.ensureSent(broker, m.id, run);
  }

  /** The worker no longer has the run's set-up (it said so): send it again before the next task. */
  unsent(workerId: string, run: number): void {
    this.sentTo.get(workerId)?.delete(run);
  }

  /** The run is finished: drop its set-up here and tell the workers to drop theirs. */
  forget(broker: WorkerBroker, run: number): void {
    if (!this.entries.delete(run)) return;
    for (const [workerId, sent] of this.sentTo) {
      if (sent.delete(run)) broker.send(workerId, { t: 'forget', run });
    }
  }

  forgetWorker(workerId: string): void {
    this.sentTo.delete(workerId);
  }
}
