// Series set-ups (with their pixel masks) go to each worker at most MAX_UNANSWERED ahead of
// its answers, and those of runs finished before their turn never go at all, so a burst of
// series starts cannot pile masks up in the workers' queues; a task still brings its set-up.
import { describe, expect, it } from 'vitest';
import { MAX_UNANSWERED, SeriesSetups } from '../src/stages/pool/SeriesSetups.js';
import type { WorkerBroker } from '../src/stages/pool/WorkerBroker.js';
import type { SeriesStart } from '../src/receiver/events.js';
import { testSeriesStart } from './helpers/seriesStarts.js';

function start(series: number, userData: unknown = null): SeriesStart {
  return testSeriesStart(series, {
    detectorDescription: 'EIGER2',
    photonEnergy: 12398,
    numberOfImages: 1,
    saturationValue: 1000,
    pixelMask: { threshold_1: new Uint32Array(16) },
    userData,
    config: { huge: 'x'.repeat(1000) },
    receivedAt: 0,
  });
}

function fakeBroker(workers: string[]) {
  const sent: { to: string; msg: { t: string; setup?: Record<string, unknown>; run?: number } }[] = [];
  const broker = {
    membersOf: () => workers.map((id) => ({ id })),
    send: (to: string, msg: { t: string }) => sent.push({ to, msg }),
  } as unknown as WorkerBroker;
  return {
    broker,
    sent,
    setupsTo: (w: string) => sent.filter((s) => s.to === w && s.msg.t === 'series').map((s) => s.msg.setup!['run']),
  };
}

describe('series set-ups', () => {
  it('sends only what workers analyse with (no user data, no detector configuration)', () => {
    const setups = new SeriesSetups();
    const { broker, sent } = fakeBroker(['a']);
    setups.add(start(1, { note: 'y'.repeat(100_000) }), 1);
    setups.broadcast(broker, 1);
    const setup = sent[0]!.msg.setup!;
    expect(setup).not.toHaveProperty('userData');
    expect(setup).not.toHaveProperty('config');
    expect(setup).toMatchObject({
      run: 1,
      series: 1,
      width: 4,
      height: 4,
      dtype: 'uint16',
      wavelength: 1,
      maskChannel: 'threshold_1',
    });
  });

  it('keeps at most MAX_UNANSWERED set-ups ahead of a worker and skips runs finished meanwhile', () => {
    const setups = new SeriesSetups();
    const { broker, setupsTo } = fakeBroker(['a', 'b']);
    for (let run = 1; run <= 10; run++) {
      setups.add(start(run), run);
      setups.broadcast(broker, run);
      if (run < 10) setups.forget(broker, run); // an empty series: summarised at once
    }
    expect(setupsTo('a')).toEqual([1, 2].slice(0, MAX_UNANSWERED));
    setups.answered(broker, 'a', 1);
    setups.answered(broker, 'a', 2);
    expect(setupsTo('a')).toEqual([1, 2, 10]); // runs 3..9 were finished before their turn
    expect(setupsTo('b')).toEqual([1, 2]);
    // A task of a run still waiting for its turn brings its set-up along.
    setups.add(start(11), 11);
    setups.broadcast(broker, 11);
    expect(setups.ensureSent(broker, 'b', 11)).toBe(true);
    expect(setupsTo('b')).toEqual([1, 2, 11]);
  });
});
