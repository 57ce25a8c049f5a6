// The HTTP port as a stranger meets it: only the bundled files are served (no traversal, no
// file outside the assets), every answer carries the content security policy, an access token
// guards page, feeds, /status and /metrics when configured, pages of other sites cannot open
// the feeds, the feeds are read-only, and a slow dashboard client is conflated, not waited for.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HttpServer } from '../src/dashboard/HttpServer.js';
import { StaticAssets } from '../src/dashboard/StaticAssets.js';
import { AccessToken, TOKEN_ENV } from '../src/dashboard/AccessToken.js';

const TOKEN = 'a-token-of-sufficient-length-42';
const dirs: string[] = [];
const servers: HttpServer[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function assetsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sp-assets-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
  writeFileSync(join(dir, 'dashboard.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
  writeFileSync(
    join(dir, 'assets.json'),
    JSON.stringify({
      files: {
        '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
        '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript' },
      },
    }),
  );
  return dir;
}

async function server(opts: { token?: boolean; seriesView?: (run: number) => unknown } = {}) {
  const { assets } = StaticAssets.load(assetsDir());
  const http = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    registry: new Registry(),
    status: () => ({ ok: true }),
    assets,
    token: opts.token ? new AccessToken(TOKEN) : null,
    seriesView: opts.seriesView,
  });
  servers.push(http);
  return { http, port: await http.listen() };
}

/** The status line and headers of a raw request (the path exactly as written). */
function raw(port: number, path: string, headers = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve({ status: Number(text.split(' ')[1]), text }));
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers}\r\n`));
  });
}

function openWs(port: number, path: string, headers: Record<string, string> = {}): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('the HTTP port', () => {
  it('serves the bundled page with a content security policy, and nothing outside the assets', async () => {
    const { port } = await server();
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>page</title>');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    for (const path of [
      '/../../../../etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/secret.txt',
      '/assets.json',
      '/%2e%2e/package.json',
      '//etc/passwd',
      '/dashboard.js/../secret.txt',
      '/index.html',
    ]) {
      const r = await raw(port, path);
      expect(r.status, path).toBe(404);
      expect(r.text).not.toContain('root:');
      expect(r.text).not.toContain('not an asset');
    }
    expect((await fetch(`http://127.0.0.1:${port}/dashboard.js`)).headers.get('content-type')).toBe('text/javascript');
  });

  it('with a token: refuses page, assets, /status, /metrics, the API and both feeds without it or with a wrong one', async () => {
    const { port } = await server({ token: true, seriesView: () => ({ run: 1 }) });
    for (const path of ['/', '/dashboard.js', '/status', '/metrics', '/api/series/1']) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`)).status, path).toBe(401);
      const wrong = await fetch(`http://127.0.0.1:${port}${path}`, {
        headers: { authorization: 'Bearer wrong-token-wrong-token' },
      });
      expect(wrong.status, path).toBe(401);
      expect(await wrong.text()).toContain('wrong access token');
      const right = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(right.status, path).toBe(200);
    }
    for (const path of ['/ws', '/ws/records']) {
      expect(await openWs(port, path)).toBe(401);
      expect(await openWs(port, `${path}?token=nope-nope-nope-nope`)).toBe(401);
      const ok = await openWs(port, path, { authorization: `Bearer ${TOKEN}` });
      expect(ok).toBeInstanceOf(WebSocket);
      (ok as WebSocket).close();
    }
  });

  it('with a token in the address: sets the cookie and sends the browser to the address without it', async () => {
    const { port } = await server({ token: true });
    const first = await fetch(`http://127.0.0.1:${port}/?token=${TOKEN}`, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const nameValue = cookie.split(';')[0]!;
    expect((await fetch(`http://127.0.0.1:${port}/`, { headers: { cookie: nameValue } })).status).toBe(200);
    const ws = await openWs(port, '/ws', { cookie: nameValue });
    expect(ws).toBeInstanceOf(WebSocket);
    (ws as WebSocket).close();
  });

  it('refuses feeds to pages of other sites, and closes a client that sends anything', async () => {
    const { http, port } = await server();
    expect(await openWs(port, '/ws', { origin: 'http://evil.example' })).toBe(403);
    expect(http.counters.foreignOrigins).toBe(1);
    const own = await openWs(port, '/ws', { origin: `http://127.0.0.1:${port}` });
    expect(own).toBeInstanceOf(WebSocket);
    const ws = own as WebSocket;
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('hello');
    expect(await closed).toBe(1008);
    expect(http.counters.clientErrors).toBe(1);
    expect(await openWs(port, '/ws/other')).toBe(404);
  });

  it('answers past series from the API, 404 for those not held, never parses a hostile number', async () => {
    const { port } = await server({ seriesView: (run) => (run === 3 ? { run: 3, state: 'ended' } : null) });
    expect(await (await fetch(`http://127.0.0.1:${port}/api/series/3`)).json()).toEqual({ run: 3, state: 'ended' });
    expect((await fetch(`http://127.0.0.1:${port}/api/series/4`)).status).toBe(404);
    expect((await raw(port, '/api/series/99999999999999999999')).status).toBe(404);
    expect((await raw(port, '/api/series/-1')).status).toBe(404);
  });

  it('conflates a dashboard client that does not read: it skips states, the others get them all', async () => {
    const { http, port } = await server();
    const reader = (await openWs(port, '/ws')) as WebSocket;
    let got = 0;
    reader.on('message', () => got++);
    // A client that never reads: pause its socket so data piles up in its buffers.
    const stalled = (await openWs(port, '/ws')) as WebSocket;
    (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
    await new Promise((r) => setTimeout(r, 50));
    const state = JSON.stringify({ type: 'state', pad: 'x'.repeat(200_000) });
    for (let i = 0; i < 60; i++) {
      http.dashboard.send(state);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(got).toBe(60);
    expect(http.counters.conflated).toBeGreaterThan(0);
    expect(http.counters.slowClientsDropped).toBe(0);
    reader.close();
    stalled.terminate();
  });
});

describe('AccessToken.load', () => {
  it('reads the token from a private file or the environment, and refuses short or world-readable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-token-'));
    dirs.push(dir);
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    chmodSync(file, 0o600);
    expect(AccessToken.load(file, {})).toBeInstanceOf(AccessToken);
    chmodSync(file, 0o644);
    expect(() => AccessToken.load(file, {})).toThrow(/readable by every user/);
    expect(() => AccessToken.load(join(dir, 'missing'), {})).toThrow(/outputs.http_token_file .*missing/);
    expect(AccessToken.load(null, { [TOKEN_ENV]: TOKEN })).toBeInstanceOf(AccessToken);
    expect(() => AccessToken.load(null, { [TOKEN_ENV]: 'short' })).toThrow(/at least 16 characters/);
    expect(AccessToken.load(null, {})).toBeNull();
  });
});
