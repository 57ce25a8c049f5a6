// Which CPU levels this machine can run every kernel at (native/src/cpu_level.h), for the tests
// that compare each level with the portable one and for the benchmarks that measure each.
import { CPU_LEVELS, nativeAddon, type CpuLevel } from './addon.js';

export { CPU_LEVELS, type CpuLevel };

/** The levels this CPU supports, best first ('scalar' always). */
export function supportedCpuLevels(): CpuLevel[] {
  const addon = nativeAddon();
  const current = addon.cpuLevel();
  const supported = CPU_LEVELS.filter((level) => {
    try {
      addon.setCpuLevel(level);
      return true;
    } catch {
      return false; // not on this CPU
    }
  });
  addon.setCpuLevel(current);
  return supported;
}

/** Runs `fn` at `level`, then restores the level that was in use. */
export function atCpuLevel<T>(level: CpuLevel, fn: () => T): T {
  const addon = nativeAddon();
  const previous = addon.cpuLevel();
  addon.setCpuLevel(level);
  try {
    return fn();
  } finally {
    addon.setCpuLevel(previous);
  }
}
