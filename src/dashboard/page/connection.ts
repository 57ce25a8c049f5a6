// The /ws feed, kept open: on any close the page waits and tries again, the wait doubling up to
// a ceiling so a pipeline that is restarting is not hammered by every screen in the hutch, with
// jitter so screens that lost the pipeline together do not all come back in the same instant.
import type { DashboardMessage } from '../dashboardMessages.js';

export type ConnectionStatus =
  { kind: 'connecting'; attempt: number } | { kind: 'open' } | { kind: 'waiting'; attempt: number; retryAt: number };

export interface ConnectionOptions {
  url: string;
  onMessage: (message: DashboardMessage) => void;
  onStatus: (status: ConnectionStatus) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export class LiveConnection {
  private socket: WebSocket | null = null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: ConnectionOptions) {}

  start(): void {
    this.open();
  }

  private open(): void {
    this.timer = null;
    this.options.onStatus({ kind: 'connecting', attempt: this.failures + 1 });
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.options.onStatus({ kind: 'open' });
    };
    socket.onmessage = (event: MessageEvent) => this.receive(event.data);
    // onerror is always followed by onclose, which is where the retry is decided.
    socket.onclose = () => this.closed(socket);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return; // A broken message is the server's bug; the next state replaces it anyway.
    }
    const type = (message as { type?: unknown } | null)?.type;
    // The feed may carry other records (results of single frames); the page draws only these.
    if (type === 'state' || type === 'preview') this.options.onMessage(message as DashboardMessage);
  }

  private closed(socket: WebSocket): void {
    if (socket !== this.socket || this.timer) return;
    this.socket = null;
    this.failures++;
    const delay = this.delay(this.failures);
    this.options.onStatus({ kind: 'waiting', attempt: this.failures, retryAt: Date.now() + delay });
    this.timer = setTimeout(() => this.open(), delay);
  }

  private delay(failures: number): number {
    const first = this.options.firstDelayMs ?? 1000;
    const max = this.options.maxDelayMs ?? 15_000;
    const base = Math.min(max, first * 2 ** (failures - 1));
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }
}

/** ws:// or wss:// beside the page, so the page works behind a proxy that mounts it elsewhere. */
export function feedUrl(location: Location): string {
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
