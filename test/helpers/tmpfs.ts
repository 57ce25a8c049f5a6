// Small tmpfs mounts for the full-disk tests (root only: a test that cannot mount skips, saying why).
import { spawnSync } from 'node:child_process';

export const isRoot = process.getuid?.() === 0;

/** Mounts a tmpfs at `dir`; null, or why it could not. */
export function mountTmpfs(dir: string, options: string): string | null {
  if (!isRoot) return 'not root';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `mount failed: ${r.stderr.trim()}`;
}

/** Lazy: a file a failed close left open in this process must not keep the mount busy. */
export const unmount = (dir: string): void => {
  spawnSync('umount', ['-l', dir]);
};

/**
 * How to start a process in a private mount namespace whose /dev/shm is a tmpfs of `mb` MB (a
 * command prefix: the program and its arguments go last), or why that cannot be done here.
 */
export function privateShm(mb: number): { prefix: string[] } | { refused: string } {
  if (!isRoot) return { refused: 'not root' };
  const mount = `mount -t tmpfs -o size=${mb}m,mode=1777 tmpfs /dev/shm`;
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', mount], { encoding: 'utf8' });
  if (probe.error) return { refused: `unshare cannot run: ${probe.error.message}` };
  if (probe.status !== 0) return { refused: `unshare -m or mount refused: ${probe.stderr.trim()}` };
  return { prefix: ['unshare', '-m', 'sh', '-c', `${mount} && exec "$0" "$@"`] };
}
