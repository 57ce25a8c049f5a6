// The pipeline's HTTP port: the dashboard page (/ and its bundled assets), its WebSocket (/ws:
// aggregated state at most 10 times a second), past series (/api/series/RUN), the per-frame
// record feed for tools (/ws/records), /status (JSON snapshot of queues and workers) and
// /metrics (Prometheus).
//
// Anyone who can reach the port is a stranger: nothing a client sends (a malformed request
// line, a broken WebSocket frame, a huge message, a client that never reads) may end the
// process or hold memory without bound. The feeds are read-only: a client that sends anything
// is disconnected. What waits for slow clients is capped per client and in all. With an access
// token configured, every path wants it; WebSocket handshakes from another site's page are
// refused whatever the token (a browser would send that page our cookie).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Registry } from 'prom-client';
import { AccessToken } from './AccessToken.js';
import type { StaticAssets } from './StaticAssets.js';
import { DEFAULT_HTTP_LIMITS, newHttpCounters, type HttpCounters, type HttpLimits } from './httpLimits.js';
import { WsChannel } from './WsChannel.js';

export { DEFAULT_HTTP_LIMITS, type HttpCounters, type HttpLimits } from './httpLimits.js';

/** The page's own code only: no inline script or style, nothing from elsewhere, not framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

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
  /** The bundled page; without it / answers 503 saying how to build it. */
  assets?: StaticAssets | null;
  /** With a token, every request must show it. */
  token?: AccessToken | null;
  /** A past series by run number, for /api/series/RUN (undefined: not held). */
  seriesView?: (run: number) => unknown;
  /** A dashboard client connected: it is sent the current state at once. */
  onDashboardClient?: (client: WebSocket) => void;
}

export class HttpServer {
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private readonly limits: HttpLimits;
  readonly counters: HttpCounters = newHttpCounters();
  /** The dashboard's aggregated state, and the per-frame record feed for tools. */
  readonly dashboard: WsChannel;
  readonly records: WsChannel;
  private readonly channels: Map<string, WsChannel>;

  constructor(private readonly options: HttpServerOptions) {
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
    const total = () => this.dashboard.bufferedBytes() + this.records.bufferedBytes();
    this.dashboard = new WsChannel('/ws', 'latest', this.limits, this.counters, total);
    this.records = new WsChannel('/ws/records', 'every', this.limits, this.counters, total);
    this.channels = new Map([
      [this.dashboard.path, this.dashboard],
      [this.records.path, this.records],
    ]);
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

  /** Sends a record to every client of the per-frame feed that keeps up. */
  broadcast(record: object): void {
    if (this.records.clients.size > 0) this.records.send(JSON.stringify(record));
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A WebSocket handshake: on a feed's path, from our own page or a tool, while there is room. */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const { path, query } = splitUrl(req.url);
    const channel = this.channels.get(path);
    const refuse = (status: string, text: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${text}\n`);
    };
    if (!channel) return refuse('404 Not Found', 'no such feed: /ws (dashboard) or /ws/records (per-frame records)');
    if (!sameOrigin(req)) {
      this.counters.foreignOrigins++;
      return refuse('403 Forbidden', 'the feed is not served to pages of other sites');
    }
    if (this.options.token && !this.options.token.check(req, query).startsWith('ok')) {
      this.counters.unauthorized++;
      return refuse('401 Unauthorized', 'access token required');
    }
    if (this.wss.clients.size >= this.limits.maxClients) {
      this.counters.clientsRefused++;
      return refuse('503 Service Unavailable', 'too many clients');
    }
    this.wss.handleUpgrade(req, socket, head, (client) => {
      // Without a listener, a protocol error on one client ('error' event) would end the process.
      client.on('error', () => {
        this.counters.clientErrors++;
        client.terminate();
      });
      // Read-only: whoever talks to a feed is not a client of ours.
      client.on('message', () => {
        this.counters.clientErrors++;
        client.close(1008, 'read-only feed');
      });
      channel.add(client);
      this.wss.emit('connection', client, req);
      if (channel === this.dashboard) this.options.onDashboardClient?.(client);
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path, query } = splitUrl(req.url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.answer(res, 405, 'text/plain', 'only GET\n');
    const token = this.options.token?.check(req, query);
    if (token === 'missing' || token === 'wrong') {
      this.counters.unauthorized++;
      return this.answer(res, 401, 'text/plain', tokenHelp(token));
    }
    if (token === 'ok-from-query') return this.rememberToken(res, path, query.get('token')!);
    if (path === '/metrics') {
      this.options.beforeMetrics?.();
      return this.answer(res, 200, this.options.registry.contentType, await this.options.registry.metrics());
    }
    if (path === '/status') return this.answer(res, 200, 'application/json', JSON.stringify(this.options.status()));
    const run = /^\/api\/series\/(\d{1,9})$/.exec(path);
    if (run) return this.seriesApi(res, Number(run[1]));
    const assets = this.options.assets;
    if (!assets && path === '/')
      return this.answer(res, 503, 'text/plain', 'the dashboard page is not built: run npm run build\n');
    const asset = assets?.get(path);
    if (asset) return this.answer(res, 200, asset.type, asset.body);
    return this.answer(
      res,
      404,
      'text/plain',
      'not found: try /, /status, /metrics, or the WebSockets /ws and /ws/records\n',
    );
  }

  private seriesApi(res: ServerResponse, run: number): void {
    const view = this.options.seriesView?.(run);
    if (view === undefined || view === null)
      return this.answer(res, 404, 'text/plain', `series run ${run} is not held\n`);
    this.answer(res, 200, 'application/json', JSON.stringify(view));
  }

  /** The page was opened with ?token=: the cookie stands in for it from now on. */
  private rememberToken(res: ServerResponse, path: string, token: string): void {
    res.writeHead(303, { ...SECURITY_HEADERS, location: path, 'set-cookie': AccessToken.cookieFor(token) });
    res.end();
  }

  /** The body is complete before the status line goes out, so a failing body is a clean 500. */
  private answer(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
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

/** Path and query as they come (no URL parser on the path: a hostile request line must not throw). */
function splitUrl(url: string | undefined): { path: string; query: URLSearchParams } {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return { path: q === -1 ? raw : raw.slice(0, q), query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
}

/** A browser always says which page opened a WebSocket; tools say nothing. Ours is our host. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

function tokenHelp(check: 'missing' | 'wrong'): string {
  return (
    (check === 'missing' ? 'access token required' : 'wrong access token') +
    ': open the page as /?token=TOKEN, or send the header "Authorization: Bearer TOKEN"\n'
  );
}
