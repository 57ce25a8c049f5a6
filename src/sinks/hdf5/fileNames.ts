// File names of a hit-file series and how they are claimed: `<prefix>_master.h5`,
// `<prefix>_data_000001.h5`, ... and `<prefix>.geom`, each written as `<name>.tmp` and renamed
// when complete, never over an existing file.
import { existsSync, linkSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** An Error with the message and the errno code of `cause`. */
export function withCode(message: string, cause: unknown): Error {
  const err = new Error(message, { cause }) as Error & { code?: string };
  const code = (cause as { code?: unknown }).code;
  if (typeof code === 'string') err.code = code;
  return err;
}

export const TEMP_SUFFIX = '.tmp';

export const masterName = (prefix: string): string => `${prefix}_master.h5`;
export const dataName = (prefix: string, fileNumber: number): string =>
  `${prefix}_data_${String(fileNumber).padStart(6, '0')}.h5`;
export const geometryName = (prefix: string): string => `${prefix}.geom`;
export const tempName = (name: string): string => `${name}${TEMP_SUFFIX}`;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The files (complete or partial) of `prefix` already in `directory`. */
export function filesOfPrefix(directory: string, prefix: string): string[] {
  const own = new RegExp(`^${escape(prefix)}(?:_master\\.h5|_data_\\d{6,}\\.h5|\\.geom)(?:${escape(TEMP_SUFFIX)})?$`);
  return readdirSync(directory).filter((name) => own.test(name));
}

/** `base`, or `base_2`, `base_3`, ... : the first prefix with no file (complete or partial) in `directory`. */
export function freePrefix(directory: string, base: string): string {
  checkPrefix(base);
  for (let n = 1; ; n++) {
    const prefix = n === 1 ? base : `${base}_${n}`;
    if (filesOfPrefix(directory, prefix).length === 0) return prefix;
  }
}

export function checkPrefix(prefix: string): void {
  if (prefix.length === 0 || prefix.includes('/') || prefix.includes('\0') || prefix === '.' || prefix === '..') {
    throw new Error(`hit files: prefix ${JSON.stringify(prefix)} must be a plain file name`);
  }
}

/** Renames `<dir>/<name>.tmp` to `<dir>/<name>` without ever replacing an existing file (a hard
 * link fails if the name exists; where links are not supported, a check then a rename). */
export function publish(directory: string, name: string): string {
  const from = join(directory, tempName(name));
  const to = join(directory, name);
  let linked = true;
  try {
    linkSync(from, to);
  } catch (err) {
    if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) {
      throw withCode(`hit files: cannot publish ${from} as ${to}: ${(err as Error).message}`, err);
    }
    linked = false;
  }
  if (linked) {
    unlinkSync(from);
  } else {
    if (existsSync(to)) throw new Error(`hit files: cannot publish ${from}: ${to} already exists`);
    renameSync(from, to);
  }
  return to;
}

/** What link(2) says on file systems without hard links. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);
