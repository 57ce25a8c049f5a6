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
