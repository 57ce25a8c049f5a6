// The files CURVE keys live in. A key pair file (written by `stream-pipeline keygen`, mode 600)
// holds "public-key Z85" and "secret-key Z85" lines; a public key file, the "public-key" line
// alone; an authorized-workers file, one public key per line (as `.pub` files concatenated;
// lines starting with "#" are comments). Secrets live in files only, never in the configuration.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { curveKeyPair } from 'zeromq';
import { isZ85Key } from './z85.js';

export interface KeyPair {
  publicKey: string;
  secretKey: string;
}

export class KeyFileError extends Error {}

function lines(path: string): { key: string; value: string }[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyFileError(`${path}: cannot be read (${(err as Error).message})`);
  }
  // Comments are whole lines: '#' is a Z85 character, so it may appear inside a key.
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [key = '', value = ''] = l.split(/\s+/, 2);
      return { key, value };
    });
}

function z85(path: string, value: string, what: string): string {
  if (!isZ85Key(value)) throw new KeyFileError(`${path}: ${what} is not a 40-character Z85 CURVE key`);
  return value;
}

/** Reads a key pair file; refuses one that other users can read. */
export function readKeyPair(path: string): KeyPair {
  const entries = lines(path);
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) throw new KeyFileError(`${path}: holds a secret key but other users can read it (chmod 600 it)`);
  const get = (key: string) => entries.find((e) => e.key === key)?.value ?? '';
  return {
    publicKey: z85(path, get('public-key'), 'public-key'),
    secretKey: z85(path, get('secret-key'), 'secret-key'),
  };
}

/** Reads a public key file (a `.pub` file, or the key pair file itself). */
export function readPublicKey(path: string): string {
  const entry = lines(path).find((e) => e.key === 'public-key');
  if (!entry) throw new KeyFileError(`${path}: has no public-key line`);
  return z85(path, entry.value, 'public-key');
}

/** Reads the public keys of the workers allowed to join. */
export function readAuthorizedKeys(path: string): Set<string> {
  const keys = new Set<string>();
  for (const { key, value } of lines(path)) {
    if (key !== 'public-key')
      throw new KeyFileError(`${path}: expected "public-key Z85" lines, found "${key.slice(0, 20)}"`);
    keys.add(z85(path, value, 'a public key'));
  }
  return keys;
}

/** Writes a fresh key pair to PREFIX.key (mode 600) and its public key to PREFIX.pub. */
export function writeKeyPair(prefix: string): { keyFile: string; publicFile: string; publicKey: string } {
  const pair = curveKeyPair();
  const keyFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;
  writeFileSync(
    keyFile,
    `# stream-pipeline CURVE key pair: keep this file secret\npublic-key ${pair.publicKey}\nsecret-key ${pair.secretKey}\n`,
    { mode: 0o600, flag: 'wx' },
  );
  chmodSync(keyFile, 0o600);
  writeFileSync(publicFile, `public-key ${pair.publicKey}\n`, { mode: 0o644, flag: 'wx' });
  return { keyFile, publicFile, publicKey: pair.publicKey };
}
