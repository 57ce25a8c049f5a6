// One pipeline per state directory: a second one with the same directory (the same set-up
// name started twice) would take up the other's series as its own. The lock is a file naming
// the holder's pid; a lock whose process is gone (killed) is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

export const LOCK_FILE = 'lock';

/** Takes the lock of `dir`; returns the pid of a live holder instead when there is one. */
export function takeStateLock(dir: string): { taken: true } | { taken: false; holder: number } {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { taken: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readText(path), 10);
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
      return { taken: false, holder };
    rmSync(path, { force: true });
  }
  throw new Error(`${path}: cannot take the lock`);
}

export function releaseStateLock(dir: string): void {
  const path = join(dir, LOCK_FILE);
  if (Number.parseInt(readText(path), 10) === process.pid) rmSync(path, { force: true });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
