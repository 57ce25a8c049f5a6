// The connection, said twice: a small "live" in the header while all is well, and a banner
// across the page when the feed is down, with the panels dimmed, since what they show is then
// old and a scientist must not decide on it.
import type { ConnectionStatus } from './connection.js';
import { field, setClass, setHidden, setText } from './dom.js';

export class ConnectionBanner {
  private readonly banner = field('connection-banner');
  private readonly indicator = field('connection');
  private status: ConnectionStatus = { kind: 'connecting', attempt: 1 };
  private everOpen = false;
  private ticker: ReturnType<typeof setInterval> | null = null;

  update(status: ConnectionStatus): void {
    this.status = status;
    if (status.kind === 'open') this.everOpen = true;
    if (status.kind === 'waiting' && !this.ticker) this.ticker = setInterval(() => this.render(), 250);
    if (status.kind !== 'waiting' && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
    this.render();
  }

  private render(): void {
    const s = this.status;
    const down = s.kind !== 'open' && (this.everOpen || s.kind === 'waiting');
    setHidden(this.banner, !down);
    setClass(document.body, 'stale', down);
    setClass(this.indicator, 'open', s.kind === 'open');
    setText(this.indicator, s.kind === 'open' ? 'connected' : down ? 'disconnected' : 'connecting…');
    if (!down) return;
    const lost = this.everOpen ? 'disconnected' : 'cannot reach the pipeline';
    if (s.kind === 'waiting') {
      const wait = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
      setText(this.banner, `${lost} — reconnecting in ${wait} s (attempt ${s.attempt + 1}); the panels show old data`);
    } else setText(this.banner, `${lost} — reconnecting now (attempt ${s.attempt}); the panels show old data`);
  }
}
