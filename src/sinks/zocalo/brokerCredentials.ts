// Who the pipeline is to the facility's broker. The user name and password come from a file
// (outputs.zocalo.credentials_file: YAML `username:` / `password:`, as Zocalo's own credential
// files are written) or from the environment, never from the configuration, which is shared
// and committed; a broker URL with a password in it is refused for the same reason.
import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';

export const USERNAME_ENV = 'STREAM_PIPELINE_ZOCALO_USERNAME';
export const PASSWORD_ENV = 'STREAM_PIPELINE_ZOCALO_PASSWORD';

export interface BrokerCredentials {
  username: string;
  password: string;
}

/** The credentials to log in with; guest/guest (RabbitMQ's loopback default) when none are given. */
export function brokerCredentials(file: string | null, env: NodeJS.ProcessEnv = process.env): BrokerCredentials {
  if (file !== null) return fromFile(file);
  const username = env[USERNAME_ENV];
  const password = env[PASSWORD_ENV];
  if (username !== undefined || password !== undefined) {
    if (!username || !password) throw new Error(`set both ${USERNAME_ENV} and ${PASSWORD_ENV}, or neither`);
    return { username, password };
  }
  return { username: 'guest', password: 'guest' };
}

function fromFile(file: string): BrokerCredentials {
  const what = `outputs.zocalo.credentials_file ${file}`;
  let parsed: unknown;
  try {
    if (statSync(file).mode & 0o004) throw new Error('it is readable by every user: chmod 600 it');
    parsed = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const username = o['username'];
  const password = o['password'];
  if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '')
    throw new Error(`${what}: needs "username: NAME" and "password: SECRET" lines`);
  return { username, password };
}

/** The broker URL as configured, checked: amqp(s)://host[:port], no credentials in it. */
export function checkBrokerUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`outputs.zocalo.url ${JSON.stringify(url)} is not a URL (amqp://host:5672)`);
  }
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:')
    throw new Error(`outputs.zocalo.url ${JSON.stringify(url)}: the scheme must be amqp:// or amqps://`);
  if (u.password !== '' || u.username !== '')
    throw new Error(
      'outputs.zocalo.url must not hold a user or password: put them in outputs.zocalo.credentials_file or the environment',
    );
  return u;
}
