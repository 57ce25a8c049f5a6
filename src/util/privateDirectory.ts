// A directory only this process's user can use, for files other users must not read, plant or
// redirect (spilled detector frames). A directory that exists already must be a real directory
// (not a symlink), owned by us, with no access for group or others; anything else is refused
// with the reason, never used: in a world-writable place like /tmp another user could have
// made it, and could then swap our files for symlinks to theirs.
import { lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class PrivateDirectoryError extends Error {}

/** Creates `dir` (mode 0700) if it is missing, then checks it; throws naming what is wrong. */
export function ensurePrivateDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new PrivateDirectoryError(`${dir}: cannot be created (${(err as Error).message})`);
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) throw new PrivateDirectoryError(`${dir} is a symbolic link, not a directory of our own`);
  if (!st.isDirectory()) throw new PrivateDirectoryError(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new PrivateDirectoryError(`${dir} belongs to user ${st.uid}, not to us (${uid})`);
  if ((st.mode & 0o077) !== 0) {
    throw new PrivateDirectoryError(
      `${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}); make it 700 or name another`,
    );
  }
}

/** A fresh private directory under the system's temporary directory (nobody can have made it before us). */
export function makePrivateTempDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
