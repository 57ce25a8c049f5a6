// V1 dconfig times (start_time, stop_time, real_time) are integers in firmware clock ticks: the
// manual says ns (v1.8) or "clock ticks" (v1.6); on the real EIGER 4M capture (firmware 1.6.6)
// real_time 99251 against count_time 0.0019925 s is 49.8 MHz, i.e. 20 ns ticks. So the tick is
// derived per series from the first image: real_time / count_time, snapped to the nearest common
// clock when within 5 %, else used as measured.

const COMMON_CLOCKS_HZ = [1e9, 5e8, 2.5e8, 2e8, 1.25e8, 1e8, 5e7, 2.5e7, 1e7, 1e6];
const SNAP_TOLERANCE = 0.05;

/** Seconds per tick, or null when count_time or real_time is missing or not positive. */
export function secondsPerTick(realTimeTicks: number | null, countTime: number | null): number | null {
  if (realTimeTicks === null || countTime === null || !(realTimeTicks > 0) || !(countTime > 0)) return null;
  const measuredHz = realTimeTicks / countTime;
  let best = COMMON_CLOCKS_HZ[0]!;
  for (const hz of COMMON_CLOCKS_HZ) {
    if (Math.abs(Math.log(hz / measuredHz)) < Math.abs(Math.log(best / measuredHz))) best = hz;
  }
  return Math.abs(best / measuredHz - 1) <= SNAP_TOLERANCE ? 1 / best : 1 / measuredHz;
}
