// The clients of one WebSocket path, and how what is sent reaches them without any of them
// slowing the pipeline. Two policies:
// - 'every': every message to every client that keeps up (the per-frame record feed, where a
//   tool wants each record); a client too far behind is dropped.
// - 'latest': a client still busy with earlier messages skips this one (the dashboard: each
//   state replaces the last, so a slow screen just sees fewer of them); one far behind is dropped.
import type { WebSocket } from 'ws';
import type { HttpCounters, HttpLimits } from './httpLimits.js';

export type ChannelPolicy = 'every' | 'latest';

/** A 'latest' client with more than this waiting is sent nothing new until it catches up. */
const LATEST_BUSY_BYTES = 512 * 1024;

export class WsChannel {
  readonly clients = new Set<WebSocket>();

  constructor(
    readonly path: string,
    private readonly policy: ChannelPolicy,
    private readonly limits: HttpLimits,
    private readonly counters: HttpCounters,
    /** Bytes waiting for every client of every channel (the total limit is shared). */
    private readonly totalBuffered: () => number,
  ) {}

  add(client: WebSocket): void {
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
  }

  /** Sends `text` to every client that keeps up (see the policies). */
  send(text: string): void {
    if (this.clients.size === 0) return;
    let total = this.totalBuffered();
    for (const client of this.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (client.bufferedAmount > this.limits.perClientBuffered) {
        this.counters.slowClientsDropped++;
        this.counters.droppedForSlowClients++;
        client.terminate();
        continue;
      }
      if (this.policy === 'latest' && client.bufferedAmount > LATEST_BUSY_BYTES) {
        this.counters.conflated++;
        continue;
      }
      if (total + text.length > this.limits.totalBuffered) {
        this.counters.droppedForSlowClients++;
        continue;
      }
      total += text.length;
      client.send(text);
    }
  }

  /** Sends to one client (a newcomer's first state), within the same limits. */
  sendTo(client: WebSocket, text: string): void {
    if (client.readyState !== client.OPEN) return;
    if (this.totalBuffered() + text.length > this.limits.totalBuffered) {
      this.counters.droppedForSlowClients++;
      return;
    }
    client.send(text);
  }

  bufferedBytes(): number {
    let total = 0;
    for (const client of this.clients) total += client.bufferedAmount;
    return total;
  }
}
