// Runs the Debian reference tools (/usr/bin/python3 with numpy, bitshuffle, lz4, h5py, hdf5plugin)
// for the codec tests. Each helper returns null when the tools are missing so tests can skip.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

const availability = new Map<string, boolean>();

/** True when /usr/bin/python3 can import every module named. */
export function pythonHas(...modules: string[]): boolean {
  const key = modules.join(',');
  const known = availability.get(key);
  if (known !== undefined) return known;
  const ok =
    existsSync(PYTHON) &&
    spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { stdio: 'ignore' }).status === 0;
  availability.set(key, ok);
  return ok;
}

/** True when h5py (with hdf5plugin loaded) has every HDF5 filter named: Debian packages some
 * filters apart from the Python module (LZ4, 32004, is in hdf5-filter-plugin). */
export function hdf5FiltersAvailable(...ids: number[]): boolean {
  if (!pythonHas('h5py', 'hdf5plugin')) return false;
  const script = `import sys, hdf5plugin, h5py; sys.exit(0 if all(h5py.h5z.filter_avail(i) for i in [${ids.join(', ')}]) else 1)`;
  return spawnSync(PYTHON, ['-c', script], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs `script` with the given files written to a temp dir (paths passed as sys.argv[1:]) and
 * returns its stdout parsed as JSON. Throws with the script's stderr when it fails.
 */
export function runPython<T>(script: string, files: Uint8Array[] = [], timeoutMs = 120_000): T {
  const dir = mkdtempSync(join(tmpdir(), 'codec-ref-'));
  try {
    const paths = files.map((data, i) => {
      const p = join(dir, `in${i}.bin`);
      writeFileSync(p, data);
      return p;
    });
    const r = spawnSync(PYTHON, ['-c', script, ...paths], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`python reference failed (${String(r.status)}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
