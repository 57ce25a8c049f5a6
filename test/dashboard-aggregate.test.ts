// The dashboard's aggregation, fed results by hand with a hand-set clock: image bins that double
// as a series grows, the rolling hit rate, the accumulated radial profile and separation
// histogram, the red-flag rules with their hysteresis, and the state a page is pushed.
import { describe, expect, it } from 'vitest';
import { ImageBins } from '../src/dashboard/aggregate/ImageBins.js';
import { RollingHitRate } from '../src/dashboard/aggregate/RollingHitRate.js';
import { RadialPanel } from '../src/dashboard/aggregate/RadialPanel.js';
import { SeparationPanel } from '../src/dashboard/aggregate/SeparationPanel.js';
import { SeriesFlags } from '../src/dashboard/aggregate/SeriesFlags.js';
import { seriesGeometryView } from '../src/dashboard/aggregate/resolutionRings.js';
import { GridHeatMap } from '../src/dashboard/aggregate/GridHeatMap.js';
import { Dashboard } from '../src/dashboard/Dashboard.js';
import { MAX_IMAGE_BINS } from '../src/dashboard/dashboardMessages.js';
import { SeriesTally } from '../src/stages/collector/SeriesTally.js';
import { DetectorGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import type { FrameFlag } from '../src/sinks/records.js';
import { frameResult as result, pipelineHealth, seriesRecordFor as record } from './helpers/dashboardInputs.js';

describe('ImageBins', () => {
  it('averages per bin and per path, the bin width set by the announced images', () => {
    const bins = new ImageBins(4 * MAX_IMAGE_BINS); // width 4
    for (let i = 0; i < 8; i++) bins.add('good', i, i);
    bins.add('fast', 5, 100);
    const v = bins.view();
    expect(v.binWidth).toBe(4);
    expect(v.good).toEqual([1.5, 5.5]);
    expect(v.fast).toEqual([null, 100]);
  });

  it('doubles the bin width, merging neighbours, when a later image would not fit', () => {
    const bins = new ImageBins(null);
    for (let i = 0; i < MAX_IMAGE_BINS; i++) bins.add('good', i, 2);
    bins.add('good', 0, 4); // bin 0 now holds two values: mean 3
    bins.add('good', 3 * MAX_IMAGE_BINS, 10); // needs width 4
    const v = bins.view();
    expect(v.binWidth).toBe(4);
    expect(v.good.length).toBeLessThanOrEqual(MAX_IMAGE_BINS);
    // Bin 0 = images 0..3: values 2, 4, 2, 2, 2 -> 2.4.
    expect(v.good[0]).toBeCloseTo(2.4, 9);
    expect(v.good[(3 * MAX_IMAGE_BINS) / 4]).toBe(10);
    expect(v.good[MAX_IMAGE_BINS / 4 + 1]).toBeNull();
  });

  it('ignores hostile image numbers and values', () => {
    const bins = new ImageBins(10);
    bins.add('good', -1, 5);
    bins.add('good', 2, Number.NaN);
    bins.add('good', 1e12, 5); // doubles ~30 times, stays bounded
    const v = bins.view();
    expect(v.good.length).toBeLessThanOrEqual(MAX_IMAGE_BINS);
    expect(v.good.filter((x) => x !== null)).toEqual([5]);
  });
});

describe('RollingHitRate', () => {
  it('samples once a second the hit fraction over the window, per path, null when idle', () => {
    const rate = new RollingHitRate(0, 2);
    // Second 0: 4 good frames, 1 hit. Second 1: 4 good, 3 hits; fast nothing.
    for (let i = 0; i < 4; i++) rate.add('good', i === 0, 100 + i);
    for (let i = 0; i < 4; i++) rate.add('good', i < 3, 1100 + i);
    rate.sample(2000);
    rate.sample(3500);
    expect(rate.t).toEqual([1, 2, 3]);
    expect(rate.good).toEqual([0.25, 0.5, 0.75]); // window [0,1) ; [0,2) ; [1,3)
    expect(rate.fast).toEqual([null, null, null]);
  });

  it('after a long silence has no rate, and keeps a bounded history', () => {
    const rate = new RollingHitRate(0, 5);
    rate.add('good', true, 10);
    rate.sample(10_000_000);
    expect(rate.t.length).toBeLessThanOrEqual(900);
    expect(rate.good[rate.good.length - 1]).toBeNull();
  });
});

describe('RadialPanel', () => {
  it('shows the latest frame, accumulates the good path only, and marks the ice rings in range', () => {
    const q = Array.from({ length: 100 }, (_, i) => 0.5 + i * 0.03); // 0.5 .. 3.47 1/A
    const panel = new RadialPanel(q);
    const flat = (v: number) => q.map(() => v);
    panel.add(result(0, { radial: flat(2) }));
    panel.add(result(1, { radial: [null, ...flat(4).slice(1)] }));
    panel.add(result(2, { path: 'fast', radial: flat(100) }));
    const v = panel.view();
    expect(v.currentImage).toBe(2);
    expect(v.currentPath).toBe('fast');
    expect(v.current[0]).toBe(100);
    expect(v.accumulatedFrames).toBe(2);
    expect(v.accumulated[0]).toBe(2); // the null bin of frame 1 is left out
    expect(v.accumulated[1]).toBe(3);
    // The strongest ice rings, 3.90, 3.67, 3.44 A (q 1.61, 1.71, 1.83), lie in this range.
    const d = v.iceRings.map((r) => r.dA);
    for (const ring of [3.897, 3.669, 3.441]) expect(d.some((x) => Math.abs(x - ring) < 0.01)).toBe(true);
    expect(v.iceRings.every((r) => r.q >= 0.5 && r.q <= 3.47)).toBe(true);
  });

  it('averages very many bins down to a bounded number', () => {
    const q = Array.from({ length: 5000 }, (_, i) => 0.1 + i * 0.001);
    const panel = new RadialPanel(q);
    panel.add(result(0, { radial: q.map((_, i) => i) }));
    const v = panel.view();
    expect(v.q.length).toBeLessThanOrEqual(1024);
    expect(v.q.length).toBe(v.current.length);
    expect(v.current[0]).toBe(2); // bins 0..4 -> mean 2
  });
});

describe('SeparationPanel', () => {
  it('sums the good path histograms', () => {
    const panel = new SeparationPanel();
    panel.add(result(0, { separation: [1, 2, 3] }));
    panel.add(result(1, { separation: [1, 1, 1, 1] }));
    panel.add(result(2, { path: 'fast', separation: [50] }));
    expect(panel.view().counts).toEqual([2, 3, 4, 1]);
    expect(panel.view().closeRadiusPx).toBe(8);
  });
});

const withFlags = (frame: number, flags: FrameFlag[], hit = true, dMin: number | null = 2) =>
  result(frame, { flags, hit, d_min: dMin, n_spots: hit ? 50 : 0 });

describe('SeriesFlags', () => {
  it('raises ice rings at 30 % of the last 50 frames, keeps its first time, clears below 15 %', () => {
    const flags = new SeriesFlags(false);
    for (let i = 0; i < 50; i++) flags.add(withFlags(i, i % 5 < 1 ? ['ice-rings'] : []), 1000 + i);
    expect(flags.list()).toEqual([]); // 20 %
    for (let i = 50; i < 60; i++) flags.add(withFlags(i, ['ice-rings']), 1000 + i);
    const raised = flags.list().find((f) => f.flag === 'ice-rings')!;
    expect(raised.reason).toMatch(/^ice rings on \d+ of the last 50 frames$/);
    const since = raised.since;
    expect(raised.sinceImage).toBeGreaterThanOrEqual(50);
    // 20 %: above the clearing level, the flag stays with its first time.
    for (let i = 60; i < 110; i++) flags.add(withFlags(i, i % 5 < 1 ? ['ice-rings'] : []), 2000 + i);
    expect(flags.list().find((f) => f.flag === 'ice-rings')?.since).toBe(since);
    for (let i = 110; i < 160; i++) flags.add(withFlags(i, []), 3000 + i);
    expect(flags.list().some((f) => f.flag === 'ice-rings')).toBe(false);
  });

  it('raises split spots over hits only, not over all frames', () => {
    const flags = new SeriesFlags(false);
    // 10 % hit rate; 4 in 10 hits split: 40 % of hits, 4 % of frames.
    for (let i = 0; i < 600; i++) {
      const hit = i % 10 === 0;
      flags.add(withFlags(i, hit && (i / 10) % 10 < 4 ? ['multiple-lattices'] : [], hit), i);
    }
    expect(flags.list().map((f) => f.flag)).toEqual(['multiple-lattices']);
    expect(flags.list()[0]!.reason).toMatch(/of the last 50 hits/);
  });

  it('raises a collapsed hit rate, except for a grid scan', () => {
    for (const grid of [false, true]) {
      const flags = new SeriesFlags(grid);
      for (let i = 0; i < 400; i++) flags.add(withFlags(i, [], i % 5 === 0), i); // 20 %
      for (let i = 400; i < 600; i++) flags.add(withFlags(i, [], i % 100 === 0), i); // 1 %
      const f = flags.list().find((x) => x.flag === 'hit-rate-collapsed');
      if (grid) expect(f).toBeUndefined();
      else expect(f?.reason).toBe('hit rate 1.0 % over the last 200 frames; it was 20.0 %');
    }
  });

  it('raises fading diffraction when the recent hits resolve 25 % worse than the first', () => {
    const flags = new SeriesFlags(false);
    for (let i = 0; i < 30; i++) flags.add(withFlags(i, [], true, 2.0), i);
    for (let i = 30; i < 60; i++) flags.add(withFlags(i, [], true, 2.3), i); // 15 % worse: no
    expect(flags.list().some((f) => f.flag === 'diffraction-fading')).toBe(false);
    for (let i = 60; i < 90; i++) flags.add(withFlags(i, [], true, 2.6), i); // 30 % worse
    expect(flags.list().find((f) => f.flag === 'diffraction-fading')?.reason).toBe(
      'd_min 2.60 Å over the last 30 hits; 2.00 Å over the first 30',
    );
  });

  it('says when frames were lost and when the good path falls behind, and clears the latter', () => {
    const flags = new SeriesFlags(false);
    flags.check({ lost: 0, lostReasons: {}, goodWaiting: 500, goodDelayMs: 8000 }, 1);
    expect(flags.list()).toEqual([]);
    flags.check({ lost: 3, lostReasons: { 'worker-died': 3 }, goodWaiting: 900, goodDelayMs: 12_000 }, 2);
    expect(flags.list().map((f) => [f.flag, f.reason])).toEqual([
      ['frames-lost', '3 frames lost (worker-died 3)'],
      ['good-path-behind', 'good path 12 s behind the detector, 900 frames waiting'],
    ]);
    flags.check({ lost: 3, lostReasons: { 'worker-died': 3 }, goodWaiting: 100, goodDelayMs: 7000 }, 3);
    expect(flags.list().map((f) => f.flag)).toEqual(['frames-lost', 'good-path-behind']); // above 5 s
    flags.check({ lost: 3, lostReasons: { 'worker-died': 3 }, goodWaiting: 0, goodDelayMs: 7000 }, 4);
    expect(flags.list().map((f) => f.flag)).toEqual(['frames-lost']);
  });
});

describe('resolution rings', () => {
  it('puts each ring where the geometry gives that d-spacing', () => {
    const view = seriesGeometryView(record())!;
    const g = new DetectorGeometry({
      width: 2068,
      height: 2162,
      beamCenterX: 1034,
      beamCenterY: 1081,
      distance: 0.15,
      wavelength: 1,
      pixelSizeX: 75e-6,
      pixelSizeY: 75e-6,
    });
    expect(view.resolutionRings.length).toBeGreaterThan(3);
    for (const ring of view.resolutionRings) expect(g.dAt(1034 + ring.radiusPx, 1081)).toBeCloseTo(ring.dA, 2);
    expect(seriesGeometryView(record({ distance_m: null }))).toBeNull();
  });
});

describe('Dashboard', () => {
  function dashboard() {
    let now = 1_000_000;
    const tallies = new Map<number, SeriesTally>();
    const d = new Dashboard({
      setup: 'test beamline',
      tally: (run) => tallies.get(run),
      health: () =>
        pipelineHealth({
          inputRate: 50,
          processedRate: { good: 40, fast: 10 },
          workers: { good: 1, fast: 1 },
          dashboardClients: 1,
        }),
      now: () => now,
    });
    const start = (run: number) => {
      tallies.set(run, new SeriesTally(run, 7, 1000));
      d.series(record(), run);
    };
    return { d, start, tallies, tick: (ms: number) => (now += ms) };
  }

  it('shows the newest series, counts from the collector, and keeps the last five to look back at', () => {
    const { d, start, tallies, tick } = dashboard();
    for (let run = 1; run <= 7; run++) start(run);
    const t = tallies.get(7)!;
    t.received = 3;
    t.processed = 2;
    d.frame(result(0, { run: 7, hit: true, n_spots: 40, d_min: 2.5 }));
    d.frame(result(1, { run: 7, path: 'fast', hit: true, n_spots: 30 }));
    tick(1500);
    const s = d.state();
    expect(s.setup).toBe('test beamline');
    expect(s.current?.run).toBe(7);
    expect(s.current?.state).toBe('receiving');
    expect(s.current?.counts.received).toBe(3);
    expect(s.current?.counts.hitsFast).toBe(1);
    expect(s.current?.latestDMin).toEqual({ dMin: 2.5, image: 0 });
    expect(s.current?.spotsPerImage.good[0]).toBe(40);
    expect(s.recent.map((r) => r.run)).toEqual([7, 6, 5, 4, 3]);
    expect(d.seriesView(2)).toBeNull();
    expect(d.seriesView(5)?.run).toBe(5);
    expect(s.seq).toBe(1);
    expect(d.state().seq).toBe(2);
  });

  it('moves a series from receiving to draining to ended, and freezes it then', () => {
    const { d, start, tallies } = dashboard();
    start(1);
    expect(d.state().current?.state).toBe('receiving');
    tallies.get(1)!.ended = true;
    expect(d.state().current?.state).toBe('draining');
    d.summary({} as never, 1);
    const ended = d.state().current!;
    expect(ended.state).toBe('ended');
    d.frame(result(5, { run: 1, n_spots: 99 })); // a late result does not change what ended
    expect(d.state().current).toBe(ended);
  });

  it('turns a preview into a message with its spots, once, and remembers the latest', () => {
    const { d, start } = dashboard();
    start(1);
    const pixels = new Uint8Array([1, 0, 2, 0, 0xff, 0xff, 4, 1]);
    d.frame(
      result(9, {
        run: 1,
        path: 'fast',
        hit: true,
        n_spots: 2,
        spots: [
          [10.5, 20.5, 100],
          [30, 40, 50],
        ],
        preview: { bin: 5, width: 2, height: 2, pixels },
      }),
    );
    const p = d.takePreview()!;
    expect(p).toMatchObject({
      type: 'preview',
      run: 1,
      image: 9,
      path: 'fast',
      nSpots: 2,
      bin: 5,
      width: 2,
      height: 2,
    });
    expect(p.spots).toEqual([
      [10.5, 20.5],
      [30, 40],
    ]);
    expect([...Buffer.from(p.pixels, 'base64')]).toEqual([...pixels]);
    expect(d.takePreview()).toBeNull();
    expect(d.latestPreview()).toBe(p);
  });
});

describe('GridHeatMap', () => {
  it('puts each image in its cell in snake order, the good path count winning over the fast', () => {
    const map = new GridHeatMap({ cols: 4, rows: 3, snaked: true, orientation: 'horizontal', dxMm: 0.02, dyMm: 0.02 });
    // Row 1 runs backwards: image 4 is (col 3, row 1), image 7 is (col 0, row 1).
    map.add(result(4, { n_spots: 50, d_min: 2.1 }));
    map.add(result(7, { path: 'fast', n_spots: 9 }));
    map.add(result(7, { n_spots: 12 }));
    map.add(result(7, { path: 'fast', n_spots: 99 })); // later, but the good count stands
    map.add(result(12, { n_spots: 1 })); // outside the grid
    const v = map.view();
    expect(v.images).toEqual([0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11]);
    expect(v.spots[1 * 4 + 3]).toBe(50);
    expect(v.dMin[1 * 4 + 3]).toBe(2.1);
    expect(v.spots[1 * 4 + 0]).toBe(12);
    expect(v.spots.filter((s) => s !== null)).toHaveLength(2);
  });
});
