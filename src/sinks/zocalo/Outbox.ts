// The messages waiting for the broker, in the order they were made: in memory up to a budget,
// then on disk (SpillFile segments, private directory), then refused and counted as dropped
// ('outbox-full'). The pipeline never waits on the broker: a broker that is slow or down
// only fills the outbox, and it drains in order once the broker is back. Messages that were
// sent but not confirmed when a connection dropped go back to the front, to be sent again.
import { FifoQueue } from '../../util/FifoQueue.js';
import { SpillFile, type SpilledHeader } from '../../stages/pool/SpillFile.js';

export interface OutboxMessage {
  /** Where it goes: a queue through the default exchange ('' and the queue's name), or a
   * topic's fanout exchange (its name and ''). */
  exchange: string;
  routingKey: string;
  /** The JSON body, encoded. */
  body: Buffer;
  series: number;
  /** The image number, or -1 for series events. */
  image: number;
}

type OutboxHeader = SpilledHeader & { exchange: string; routingKey: string };

export interface OutboxLimits {
  memoryBytes: number;
  diskBytes: number;
}

export class Outbox {
  /** Sent, not confirmed, when the connection dropped: first to go again. */
  private readonly again: OutboxMessage[] = [];
  private readonly memory = new FifoQueue<OutboxMessage>();
  private memoryBytes = 0;
  private readonly disk: SpillFile<OutboxHeader>;
  private nextId = 1;
  /** Refused because memory and disk were full, or the disk failed. */
  dropped = 0;
  /** Written to disk, not read back. */
  unreadable = 0;

  constructor(
    private readonly limits: OutboxLimits,
    spillDir: string | null,
  ) {
    this.disk = new SpillFile<OutboxHeader>(spillDir, 'zocalo-outbox', 16 * 1024 * 1024);
  }

  /** Called when a spilled message that take() could not give before has been read back. */
  set onReadable(wake: (() => void) | null) {
    this.disk.onReadable = wake;
  }

  get length(): number {
    return this.again.length + this.memory.length + this.disk.length;
  }

  get onDisk(): number {
    return this.disk.length;
  }

  /** Queues a message; false when it had to be dropped (outbox full). */
  put(m: OutboxMessage): boolean {
    const bytes = m.body.byteLength + 64;
    if (this.disk.length === 0 && this.memoryBytes + bytes <= this.limits.memoryBytes) {
      this.memory.push(m);
      this.memoryBytes += bytes;
      return true;
    }
    // Once anything is on disk, later messages follow it there, so the order holds.
    if (this.disk.diskBytes + bytes > this.limits.diskBytes) return this.drop();
    const header: OutboxHeader = {
      id: this.nextId++,
      run: 0,
      series: m.series,
      frame: m.image,
      exchange: m.exchange,
      routingKey: m.routingKey,
    };
    if (this.disk.push({ header, data: m.body }) !== null) return this.drop();
    return true;
  }

  /** The oldest message, or undefined. */
  take(): OutboxMessage | undefined {
    const retry = this.again.shift();
    if (retry) return retry;
    const m = this.memory.shift();
    if (m) {
      this.memoryBytes -= m.body.byteLength + 64;
      return m;
    }
    const spilled = this.disk.shift();
    this.unreadable += this.disk.drainLost().length;
    if (!spilled) return undefined;
    const h = spilled.header;
    return {
      exchange: h.exchange,
      routingKey: h.routingKey,
      body: Buffer.from(spilled.data),
      series: h.series,
      image: h.frame,
    };
  }

  /** Messages sent but not confirmed, oldest first: they go before everything else. */
  putBack(messages: OutboxMessage[]): void {
    this.again.unshift(...messages);
  }

  close(): void {
    this.disk.close();
  }

  private drop(): false {
    this.dropped++;
    return false;
  }
}
