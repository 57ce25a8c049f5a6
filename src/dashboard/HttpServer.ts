// The pipeline's HTTP port: /metrics (Prometheus), /status (JSON snapshot of queues and
// workers) and /ws, a WebSocket that streams series, frame and summary records live.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Registry } from 'prom-client';

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  status: () => unknown;
  /** Called before each /metrics scrape, to bring gauges up to date. */
  beforeMetrics?: () => void;
}

/** A client this far behind loses live records until it catches up (it must never slow us). */
const MAX_BUFFERED = 4 * 1024 * 1024;

export class HttpServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  droppedForSlowClients = 0;

  constructor(private readonly options: HttpServerOptions) {
    this.server = createServer((req, res) => void this.route(req, res));
    this.wss = new WebSocketServer({ server: this.server, path: '/ws' });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Sends a record to every connected client that keeps up. */
  broadcast(record: object): void {
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(record);
    for (const client of this.wss.clients) this.sendTo(client, text);
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private sendTo(client: WebSocket, text: string): void {
    if (client.readyState !== client.OPEN) return;
    if (client.bufferedAmount > MAX_BUFFERED) {
      this.droppedForSlowClients++;
      return;
    }
    client.send(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      if (url.pathname === '/metrics') {
        this.options.beforeMetrics?.();
        res.writeHead(200, { 'content-type': this.options.registry.contentType });
        res.end(await this.options.registry.metrics());
      } else if (url.pathname === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.options.status()));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found: try /status, /metrics or the WebSocket at /ws\n');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`error: ${(err as Error).message}\n`);
    }
  }
}
