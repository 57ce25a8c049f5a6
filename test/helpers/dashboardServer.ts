// A stand-in for the pipeline's HTTP server, as far as the live-feedback page sees it: the built
// assets served by their manifest under the server's CSP, the /ws feed (the current state and
// latest preview on connecting, then whatever the test pushes) and /api/series/RUN.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type {
  DashboardMessage,
  PreviewMessage,
  SeriesSnapshot,
  StateMessage,
} from '../../src/dashboard/dashboardMessages.js';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Manifest {
  files: Record<string, { file: string; type: string }>;
}

export class DashboardServer {
  state: StateMessage | null = null;
  preview: PreviewMessage | null = null;
  /** What /api/series/RUN answers; a run not here is 404. */
  readonly series = new Map<number, SeriesSnapshot>();
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  private readonly clients = new Set<WebSocket>();

  private constructor(
    private readonly assets: Map<string, { body: Buffer; type: string }>,
    private readonly server: ReturnType<typeof createServer>,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(dir: string): Promise<DashboardServer> {
    const manifest = JSON.parse(readFileSync(join(dir, 'assets.json'), 'utf8')) as Manifest;
    const assets = new Map(
      Object.entries(manifest.files).map(([path, f]) => [
        path,
        { body: readFileSync(join(dir, f.file)), type: f.type },
      ]),
    );
    const wss = new WebSocketServer({ noServer: true });
    const server = createServer();
    const self = new DashboardServer(assets, server, wss);
    server.on('request', (req, res) => self.route(req, res));
    server.on('upgrade', (req, socket, head) => {
      if (req.url !== '/ws') return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => self.connected(ws));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Sends to every page, and remembers it for pages that connect later. */
  push(message: DashboardMessage): void {
    if (message.type === 'state') this.state = message;
    else this.preview = message;
    const text = JSON.stringify(message);
    for (const ws of this.clients) ws.send(text);
  }

  /** Cuts every page off, as a pipeline restart would. */
  dropClients(): void {
    for (const ws of this.clients) ws.terminate();
  }

  async close(): Promise<void> {
    this.dropClients();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connected(ws: WebSocket): void {
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws));
    if (this.state) ws.send(JSON.stringify(this.state));
    if (this.preview) ws.send(JSON.stringify(this.preview));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    this.requests.push(path);
    const asset = this.assets.get(path);
    const run = /^\/api\/series\/(\d+)$/.exec(path);
    if (asset) this.send(res, 200, asset.type, asset.body);
    else if (run && this.series.has(Number(run[1]))) {
      this.send(res, 200, 'application/json', Buffer.from(JSON.stringify(this.series.get(Number(run[1])))));
    } else this.send(res, 404, 'text/plain', Buffer.from('not found'));
  }

  private send(res: ServerResponse, status: number, type: string, body: Buffer): void {
    res.writeHead(status, {
      'content-type': type,
      'content-length': body.length,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    res.end(body);
  }
}
