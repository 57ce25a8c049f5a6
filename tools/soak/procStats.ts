// What a process holds, read from /proc: resident memory, open descriptors, its children, and
// our shared-memory regions. For the soak run's flatness and leak figures.
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Resident set, MB (0 when the process is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function sharedMemoryNames(): number {
  return existsSync('/dev/shm') ? readdirSync('/dev/shm').filter((n) => n.startsWith('stream-pipeline-')).length : 0;
}
