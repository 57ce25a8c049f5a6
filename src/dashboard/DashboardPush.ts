// When the dashboard's state goes out: at most PUSHES_PER_SECOND times a second, whatever the
// frame rate, only when something changed (or once a second, so ages and rates move on) and
// only while a page is connected. Each client gets the latest state; a client still busy
// with an earlier one skips it (WsChannel 'latest'). A page that connects gets the current
// state and the latest hit image at once.
import type { WebSocket } from 'ws';
import type { Dashboard } from './Dashboard.js';
import type { WsChannel } from './WsChannel.js';

export const PUSHES_PER_SECOND = 10;
/** Without changes, a state still goes out this often. */
const IDLE_PUSH_MS = 1000;

export class DashboardPush {
  private timer: NodeJS.Timeout | null = null;
  private lastPush = 0;
  /** States built and sent (for the benchmark and tests). */
  pushes = 0;

  constructor(
    private readonly dashboard: Dashboard,
    private readonly channel: WsChannel,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.tick(), 1000 / PUSHES_PER_SECOND);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** A page connected: the current state and hit image, now. */
  welcome(client: WebSocket): void {
    this.channel.sendTo(client, JSON.stringify(this.dashboard.state()));
    const preview = this.dashboard.latestPreview();
    if (preview) this.channel.sendTo(client, JSON.stringify(preview));
  }

  tick(): void {
    if (this.channel.clients.size === 0) return;
    const now = this.now();
    const preview = this.dashboard.takePreview();
    if (preview) this.channel.send(JSON.stringify(preview));
    if (!this.dashboard.changed && now - this.lastPush < IDLE_PUSH_MS) return;
    this.lastPush = now;
    this.pushes++;
    this.channel.send(JSON.stringify(this.dashboard.state()));
  }
}
