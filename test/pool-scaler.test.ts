// The pool scaler on inputs the test drives: rates from running totals, a good pool grown while
// its backlog grows, a fast pool grown while it skips busy frames, idle pools shrunk.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PoolScaler, type PipelineTotals, type ScalablePool } from '../src/stages/PoolScaler.js';

function pool(target: number, max = 4): ScalablePool & { target: number } {
  const p = {
    target,
    get count() {
      return p.target;
    },
    resize(n: number) {
      p.target = Math.max(0, Math.min(max, n));
      return p.target;
    },
  };
  return p;
}

describe('PoolScaler', () => {
  it('reports rates per second from the running totals', () => {
    const totals: PipelineTotals = { received: 0, processedGood: 0, processedFast: 0, fastBusy: 0 };
    const scaler = new PoolScaler(
      { totals: () => totals, goodWaiting: () => 3, pools: () => null },
      pino({ level: 'silent' }),
    );
    scaler.tick();
    Object.assign(totals, { received: 100, processedGood: 90, processedFast: 40, fastBusy: 0 });
    scaler.tick();
    expect(scaler.snapshot()).toEqual({
      receivedPerSecond: 100,
      goodPerSecond: 90,
      fastPerSecond: 40,
      goodWaiting: 3,
      fastBusyPerSecond: 0,
    });
  });

  it('grows the good pool while its backlog grows, the fast pool while it skips busy frames, and shrinks idle pools', () => {
    const totals: PipelineTotals = { received: 0, processedGood: 0, processedFast: 0, fastBusy: 0 };
    let waiting = 0;
    const pools = { good: pool(1), fast: pool(1) };
    const scaler = new PoolScaler(
      { totals: () => totals, goodWaiting: () => waiting, pools: () => pools },
      pino({ level: 'silent' }),
    );
    for (const w of [10, 20]) {
      waiting = w;
      totals.received += 50;
      totals.processedGood += 10;
      totals.processedFast += 5;
      totals.fastBusy += 5;
      scaler.tick();
    }
    expect(pools.good.target).toBe(3);
    expect(pools.fast.target).toBe(3);
    waiting = 0;
    for (let i = 0; i < 10; i++) scaler.tick(); // nothing moves for ten seconds
    expect(pools.good.target).toBe(2);
    expect(pools.fast.target).toBe(2);
  });
});
