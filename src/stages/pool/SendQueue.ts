// zeromq.js allows one pending send per socket (so high-water marks cannot be bypassed).
// The broker sends from many places; this serialises them without blocking the callers.
import type { Router } from 'zeromq';

type Parts = (Uint8Array | string)[];

export class SendQueue {
  private readonly queue: Parts[] = [];
  private sending = false;
  /** Messages that could not be delivered (peer gone); the caller's liveness logic handles the rest. */
  failed = 0;

  constructor(
    private readonly socket: Router,
    private readonly onError: (err: Error, parts: Parts) => void,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  send(parts: Parts): void {
    this.queue.push(parts);
    if (!this.sending) void this.pump();
  }

  private async pump(): Promise<void> {
    this.sending = true;
    while (this.queue.length > 0) {
      const parts = this.queue.shift()!;
      try {
        await this.socket.send(parts);
      } catch (err) {
        this.failed++;
        if (this.socket.closed) break;
        this.onError(err as Error, parts);
      }
    }
    this.sending = false;
  }
}
