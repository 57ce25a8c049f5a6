// The series set-ups (geometry, pixel mask) workers need before their first task of a series.
// Each worker gets a series' set-up once, just before its first task of that series; the
// ZeroMQ connection keeps the order, so the set-up always arrives first.
import type { SeriesStart } from '../../receiver/events.js';
import type { SeriesSetup } from './protocol.js';
import type { WorkerBroker } from './WorkerBroker.js';

interface Entry {
  setup: SeriesSetup;
  mask: Uint8Array | undefined;
}

/** Series kept for late tasks (a good-path backlog can run well past the series end). */
const KEEP = 8;

export class SeriesSetups {
  private readonly entries = new Map<number, Entry>();
  private readonly sentTo = new Map<string, Set<number>>();

  add(start: SeriesStart): void {
    const { pixelMask, flatfield: _f, countrateTable: _c, type: _t, ...rest } = start;
    const maskChannel = Object.keys(pixelMask)[0] ?? null;
    const mask = maskChannel ? pixelMask[maskChannel] : undefined;
    this.entries.set(start.series, {
      setup: { ...rest, maskChannel },
      mask: mask ? new Uint8Array(mask.buffer, mask.byteOffset, mask.byteLength) : undefined,
    });
    while (this.entries.size > KEEP) this.entries.delete(this.entries.keys().next().value!);
  }

  has(series: number): boolean {
    return this.entries.has(series);
  }

  /** Sends the set-up of `series` to `workerId` unless it already has it. False when unknown. */
  ensureSent(broker: WorkerBroker, workerId: string, series: number): boolean {
    const entry = this.entries.get(series);
    if (!entry) return false;
    let sent = this.sentTo.get(workerId);
    if (!sent) this.sentTo.set(workerId, (sent = new Set()));
    if (!sent.has(series)) {
      broker.send(workerId, { t: 'series', setup: entry.setup }, entry.mask);
      sent.add(series);
    }
    return true;
  }

  /** Sends the set-up to every worker now, so all build their tables while the first frames arrive. */
  broadcast(broker: WorkerBroker, series: number): void {
    for (const m of broker.membersOf()) this.ensureSent(broker, m.id, series);
  }

  forgetWorker(workerId: string): void {
    this.sentTo.delete(workerId);
  }
}
