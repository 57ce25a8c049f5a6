// Replay pacing, on a clock the test drives: each message is due at its recorded offset divided
// by the speed, counted from the first; a replay that is late sends at once and catches up.
import { describe, expect, it } from 'vitest';
import { PaceClock, type Clock } from '../tools/replay/PaceClock.js';

function fakeClock(): Clock & { now: bigint; slept: number[] } {
  const c = {
    now: 1_000_000_000n,
    slept: [] as number[],
    nowNs: () => c.now,
    sleep: async (ms: number) => {
      c.slept.push(Math.round(ms));
      c.now += BigInt(Math.round(ms * 1e6));
    },
  };
  return c;
}

const ms = (n: number) => BigInt(n) * 1_000_000n;

describe('PaceClock', () => {
  it('sends each message at its recorded offset divided by the speed', async () => {
    for (const speed of [1, 4]) {
      const clock = fakeClock();
      const start = clock.now;
      const pace = new PaceClock(clock);
      const sentAt: number[] = [];
      for (const offset of [0, 400, 800, 1200]) {
        await pace.waitFor(ms(offset), speed);
        sentAt.push(Number(clock.now - start) / 1e6);
      }
      expect(sentAt).toEqual([0, 400, 800, 1200].map((o) => o / speed));
    }
  });

  it('does not wait for messages already due (a late replay catches up), and never sends early', async () => {
    const clock = fakeClock();
    const pace = new PaceClock(clock);
    clock.now += ms(1000); // the machine stalled for a second
    await pace.waitFor(ms(400), 1);
    await pace.waitFor(ms(800), 1);
    expect(clock.slept).toEqual([]);
    await pace.waitFor(ms(1500), 1);
    expect(clock.slept).toEqual([500]);
  });
});
