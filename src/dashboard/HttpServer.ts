// The pipeline's HTTP port: /metrics (Prometheus), /status (JSON snapshot of queues and
// workers) and /ws, a WebSocket that streams series, frame and summary records live.
//
// Anyone who can reach the port is a stranger: nothing a client sends (a malformed request
// line, a broken WebSocket frame, a huge message, a client that never reads) may end the
// process or hold memory without bound. The feed is read-only, so inbound WebSocket messages
// are capped small; what waits for slow clients is capped per client and in all, and a client
// past its cap is dropped rather than waited for.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Registry } from 'prom-client';

export interface HttpServerOptions {
  host: string;
  port: number;
  registry: Registry;
  status: () => unknown;
  /** Called before each /metrics scrape, to bring gauges up to date. */
  beforeMetrics?: () => void;
  /** Where a failing route or client is reported (pino call shape); default: nowhere. */
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
  limits?: Partial<HttpLimits>;
}

export interface HttpLimits {
  /** Bytes a client may have waiting before it is dropped (it must never slow us). */
  perClientBuffered: number;
  /** Bytes waiting for all clients together; a record that would exceed it is not sent. */
  totalBuffered: number;
  /** WebSocket clients at once; more are refused at the handshake (503). */
  maxClients: number;
  /** Largest message a client may send (the feed is read-only: anything bigger is hostile). */
  maxInboundMessage: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  perClientBuffered: 4 * 1024 * 1024,
  totalBuffered: 64 * 1024 * 1024,
  maxClients: 64,
  maxInboundMessage: 4096,
};

/** What went wrong with clients, for /status. */
export interface HttpCounters {
  /** Records not sent to a client because it, or all clients together, were too far behind. */
  droppedForSlowClients: number;
  /** Clients disconnected for being too far behind. */
  slowClientsDropped: number;
  /** Clients refused because maxClients were connected. */
  clientsRefused: number;
  /** Clients that sent a broken or oversized frame (disconnected). */
  clientErrors: number;
  /** Requests a route failed on (answered 500, or cut off when the answer had begun). */
  routeErrors: number;
}

export class HttpServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly limits: HttpLimits;
  readonly counters: HttpCounters = {
    droppedForSlowClients: 0,
    slowClientsDropped: 0,
    clientsRefused: 0,
    clientErrors: 0,
    routeErrors: 0,
  };

  constructor(private readonly options: HttpServerOptions) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    this.server = createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => this.routeFailed(res, err));
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxInboundMessage });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    // Raised only through the HTTP server's own errors (handled by listen()); never fatal.
    this.wss.on('error', (err) => this.options.logger?.warn({ err: err.message }, 'WebSocket server error'));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.server.on('error', (err) => this.options.logger?.warn({ err: err.message }, 'HTTP server error'));
    return (this.server.address() as AddressInfo).port;
  }

  get clients(): number {
    return this.wss.clients.size;
  }

  /** Sends a record to every connected client that keeps up. */
  broadcast(record: object): void {
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(record);
    let total = 0;
    for (const client of this.wss.clients) total += client.bufferedAmount;
    for (const client of this.wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      if (client.bufferedAmount > this.limits.perClientBuffered) {
        this.counters.slowClientsDropped++;
        this.counters.droppedForSlowClients++;
        client.terminate();
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

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A WebSocket handshake: on /ws, while there is room for another client; refused otherwise. */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const onWs = (req.url ?? '').split('?')[0] === '/ws';
    if (!onWs || this.wss.clients.size >= this.limits.maxClients) {
      if (onWs) this.counters.clientsRefused++;
      socket.end(
        onWs
          ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\ntoo many clients\n'
          : 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n',
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (client) => {
      // Without a listener, a protocol error on one client ('error' event) would end the process.
      client.on('error', () => {
        this.counters.clientErrors++;
        client.terminate();
      });
      this.wss.emit('connection', client, req);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The path is taken as it comes (no URL parser: a hostile request line must not throw).
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.answer(res, 405, 'text/plain', 'only GET\n');
    if (path === '/metrics') {
      this.options.beforeMetrics?.();
      return this.answer(res, 200, this.options.registry.contentType, await this.options.registry.metrics());
    }
    if (path === '/status') return this.answer(res, 200, 'application/json', JSON.stringify(this.options.status()));
    return this.answer(res, 404, 'text/plain', 'not found: try /status, /metrics or the WebSocket at /ws\n');
  }

  /** The body is complete before the status line goes out, so a failing body is a clean 500. */
  private answer(res: ServerResponse, status: number, type: string, body: string): void {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  }

  private routeFailed(res: ServerResponse, err: unknown): void {
    this.counters.routeErrors++;
    this.options.logger?.warn({ err: (err as Error)?.message }, 'HTTP request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error\n');
  }
}
