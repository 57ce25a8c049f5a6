// The optional access token of the HTTP port (dashboard page, feeds, /status, /metrics). It comes
// from a file (outputs.http_token_file) or the environment (STREAM_PIPELINE_HTTP_TOKEN), never
// from the configuration, which is shared and committed. A client shows it as
// `Authorization: Bearer <token>` (tools, Prometheus), as the cookie the page gets, or once as
// `?token=<token>` in the page's address: that answer sets the cookie and sends the browser to
// the same address without it, so the token does not stay in the address bar or the history.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

export const TOKEN_ENV = 'STREAM_PIPELINE_HTTP_TOKEN';
export const TOKEN_COOKIE = 'stream_pipeline_token';
/** Shorter tokens can be guessed over the network. */
const MIN_TOKEN_LENGTH = 16;

export type TokenCheck = 'ok' | 'ok-from-query' | 'missing' | 'wrong';

export class AccessToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    if (token.length < MIN_TOKEN_LENGTH)
      throw new Error(`the HTTP access token must be at least ${MIN_TOKEN_LENGTH} characters (it is ${token.length})`);
    this.digest = sha256(token);
  }

  /** The token from the file, else the environment, else null (no access control). */
  static load(file: string | null, env: NodeJS.ProcessEnv = process.env): AccessToken | null {
    if (file !== null) {
      let text: string;
      try {
        if (statSync(file).mode & 0o004) throw new Error('it is readable by every user: chmod 600 it');
        text = readFileSync(file, 'utf8').trim();
      } catch (err) {
        throw new Error(`outputs.http_token_file ${file}: ${(err as Error).message}`, { cause: err });
      }
      return new AccessToken(text);
    }
    const fromEnv = env[TOKEN_ENV]?.trim();
    return fromEnv ? new AccessToken(fromEnv) : null;
  }

  check(req: IncomingMessage, query: URLSearchParams): TokenCheck {
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const fromQuery = query.get('token') ?? undefined;
    const shown = bearer ?? cookie(req, TOKEN_COOKIE) ?? fromQuery;
    if (shown === undefined) return 'missing';
    if (!timingSafeEqual(sha256(shown), this.digest)) return 'wrong';
    return shown === fromQuery && bearer === undefined ? 'ok-from-query' : 'ok';
  }

  /** The cookie that lets the page's own requests (assets, feed, API) through. */
  static cookieFor(token: string): string {
    return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined; // a malformed escape is no token
    }
  }
  return undefined;
}
