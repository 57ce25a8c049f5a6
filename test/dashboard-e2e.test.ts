// The live-feedback page in a real Chromium, fed by a real pipeline (the CLI, its local workers)
// reading a simulated EIGER2 4M: what the page shows is read back from it (texts, the plots'
// data, the heat map's tooltip) and compared with what the same pipeline wrote to its results
// file, so a panel that drew the wrong numbers, or none, fails. Also: a grid scan's heat map has
// the crystal where the simulator put it, the red flags of a series with ice rings and of one
// with split spots, no console errors, and how long applying an update takes in the browser.
// UPDATE_DOCS_SCREENSHOT=1 also refreshes the README's pictures (docs/dashboard*.png).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { assertBuilt, PROJECT_ROOT } from './helpers/cli.js';
import { chromiumMissing, openBrowser, type BrowserPage } from './helpers/browser.js';
import {
  readResults,
  startPipelineRun,
  testConfig,
  type PipelineRun,
  type ResultsRecord,
} from './helpers/pipelineRun.js';
import type { StateMessage, PreviewMessage } from '../src/dashboard/dashboardMessages.js';

const ARTIFACTS = join(PROJECT_ROOT, 'test', 'artifacts');
const missing = chromiumMissing();
if (missing) console.warn(`dashboard end-to-end tests skipped: ${missing}`);

const open: { browser?: BrowserPage; run?: PipelineRun }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.browser?.close();
    o.run?.pipeline.child.kill('SIGKILL');
    o.run?.simulator.child.kill('SIGKILL');
  }
});
beforeAll(() => assertBuilt());

const POOLS = `  fast:\n    workers: 1\n    max_workers: 1\n  good:\n    workers: 1\n    max_workers: 1`;

async function watch(simulatorArgs: string[]) {
  const run = await startPipelineRun({ simulatorArgs, yaml: testConfig(POOLS), timeoutMs: 300_000, once: false });
  const browser = await openBrowser({ viewport: { width: 1600, height: 1700 } });
  open.push({ browser, run });
  await browser.page.goto(run.statusUrl.replace(/\/status$/, '/'));
  return { run, browser, page: browser.page };
}

/** (globalThis as unknown as PageGlobals).streamPipelineDashboard as the test reads it (the page's own type needs the DOM lib). */
interface Hook {
  lastState: StateMessage | null;
  lastPreview: PreviewMessage | null;
  appliedSeq: number | null;
  applyMs: number[];
  plots: Record<
    'hitRate' | 'spots' | 'radial' | 'separation' | 'dMin',
    { data: unknown; series: { label?: unknown }[] }
  >;
  heatMapCellAt(col: number, row: number): { x: number; y: number };
}
type PageGlobals = { streamPipelineDashboard?: Hook };
const state = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as PageGlobals).streamPipelineDashboard?.lastState ?? null);
const text = async (page: Page, field: string) => (await page.textContent(`[data-field="${field}"]`))?.trim() ?? '';
const digits = (s: string) => Number(s.replace(/[^\d.]/g, ''));

/** Waits (polling the page) until `test` holds for the state it last received. */
async function until(
  page: Page,
  what: string,
  test: (s: StateMessage) => boolean,
  ms = 240_000,
): Promise<StateMessage> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state(page);
    if (s && test(s)) {
      // ...and the page has drawn it.
      await page.waitForFunction(
        (seq) => ((globalThis as unknown as PageGlobals).streamPipelineDashboard?.appliedSeq ?? 0) >= seq,
        s.seq,
      );
      return s;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last state seq ${s?.seq}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ended = (series: number) => (s: StateMessage) => s.current?.series === series && s.current.state === 'ended';

function goodFrames(results: ResultsRecord[], series: number): ResultsRecord[] {
  return results.filter((r) => r.type === 'frame' && r.path === 'good' && r.series === series);
}

/** Per bin of image numbers, the mean of `value` over the good frames: what the page must plot. */
function binnedMeans(frames: ResultsRecord[], binWidth: number, value: (r: ResultsRecord) => number | null) {
  const sums = new Map<number, [number, number]>();
  for (const f of frames) {
    const v = value(f);
    if (v === null) continue;
    const bin = Math.floor((f['frame'] as number) / binWidth);
    const [s, n] = sums.get(bin) ?? [0, 0];
    sums.set(bin, [s + v, n + 1]);
  }
  return sums;
}

function expectPlotted(plotted: (number | null)[], expected: Map<number, [number, number]>, what: string) {
  expect(plotted.filter((v) => v !== null).length, what).toBe(expected.size);
  for (const [bin, [sum, n]] of expected) expect(plotted[bin], `${what} bin ${bin}`).toBeCloseTo(sum / n, 2);
}

function applyTimes(hook: Pick<Hook, 'applyMs'>): { p50: number; p95: number; max: number; n: number } {
  const sorted = [...hook.applyMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]!, n: sorted.length };
}

describe.skipIf(missing !== null)('the dashboard, fed by a real pipeline', () => {
  it('shows a grid scan and then an SSX series with ice rings as the pipeline analysed them', async () => {
    const { run, browser, page } = await watch([
      '--grid',
      '12x10',
      '--series-count',
      '2',
      '--frames',
      '300',
      '--rate',
      '30',
      '--hit-fraction',
      '0.3',
      '--ice-rings',
      '--dtype',
      'uint16',
      '--seed',
      '11',
    ]);
    // Mid-series, as a beamline user sees it: the picture for the README.
    await until(page, 'the SSX series under way', (s) => s.current?.series === 2 && s.current.counts.received >= 150);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-e2e-ssx.png') });
    if (process.env['UPDATE_DOCS_SCREENSHOT'])
      copyFileSync(join(ARTIFACTS, 'dashboard-e2e-ssx.png'), join(PROJECT_ROOT, 'docs', 'dashboard.png'));

    const s = await until(page, 'the SSX series summarised', ended(2));
    const results = readResults(run.dir);
    const summary = results.find((r) => r.type === 'summary' && r.series === 2)!;
    const ssx = goodFrames(results, 2);
    const v = s.current!;

    // Always visible: the set-up, the series and its state, the series to look back at.
    expect(await text(page, 'series-state')).toMatch(/ended/i);
    expect(digits(await text(page, 'series'))).toBe(2);
    expect(s.recent.map((r) => r.series)).toEqual([2, 1]);
    // The counts, as the summary gives them.
    expect(digits(await text(page, 'series-received'))).toBe(summary['received']);
    expect(digits(await text(page, 'series-processed-good'))).toBe(summary['processed']);
    expect(digits(await text(page, 'series-hits-good'))).toBe(summary['hits']);
    expect(digits(await text(page, 'series-lost'))).toBe(0);

    const hook = await page.evaluate(() => {
      const h = (globalThis as unknown as PageGlobals).streamPipelineDashboard!;
      const data = (p: { data: unknown }) => p.data as (number | null)[][];
      return {
        spots: data(h.plots.spots),
        dMin: data(h.plots.dMin),
        radial: data(h.plots.radial),
        separation: data(h.plots.separation),
        hitRate: data(h.plots.hitRate),
        spotLabels: h.plots.spots.series.map((x) => String(x.label)),
        applyMs: h.applyMs,
        lastPreview: h.lastPreview,
      };
    });
    // Spots per frame and d_min over image number: the good path's means per bin are the results
    // file's; the fast path is plotted apart and named as sampled.
    const bin = v.spotsPerImage.binWidth;
    expectPlotted(
      hook.spots[1]!,
      binnedMeans(ssx, bin, (r) => r['n_spots'] as number),
      'spots',
    );
    expectPlotted(
      hook.dMin[1]!,
      binnedMeans(ssx, bin, (r) => r['d_min'] as number | null),
      'd_min',
    );
    expect(hook.spotLabels.slice(1)).toEqual(['good (every frame)', 'fast (sampled)']);
    expect(hook.spots[2]!.filter((x) => x !== null).length).toBeGreaterThan(0);
    // The radial profile: the series mean of the good path's profiles in the results file.
    const q = (results.find((r) => r.type === 'series' && r.series === 2)!['radial_q'] as number[]).length;
    expect(hook.radial[0]).toHaveLength(q);
    for (const i of [10, 100, 200, 300]) {
      const values = ssx.map((f) => (f['radial'] as (number | null)[])[i]).filter((x): x is number => x !== null);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      expect(hook.radial[2]![i]).toBeCloseTo(mean, 4);
    }
    expect(v.radial.iceRings.length).toBeGreaterThan(3);
    // The separation histogram: the sum of the good path's histograms.
    const sum: number[] = [];
    for (const f of ssx) (f['separation'] as number[]).forEach((n, i) => (sum[i] = (sum[i] ?? 0) + n));
    expect(hook.separation[1]).toEqual(sum);
    expect(await text(page, 'separation-threshold')).toMatch(/8 px/);
    // The hit rate over time: a fraction, near the series' rate once the window is full.
    const rates = hook.hitRate[1]!.filter((x): x is number => x !== null);
    expect(rates.length).toBeGreaterThan(3);
    expect(rates.every((r) => r >= 0 && r <= 1)).toBe(true);
    expect(Math.abs(rates[Math.floor(rates.length / 2)]! - (summary['hit_rate'] as number))).toBeLessThan(0.2);
    // The latest resolution, and the frame it is of.
    const latest = v.latestDMin;
    expect(latest.image).not.toBeNull();
    const ofLatest = results.find(
      (r) => r.type === 'frame' && r.series === 2 && r.frame === latest.image && r.d_min === latest.dMin,
    );
    expect(ofLatest).toBeDefined();
    expect(await text(page, 'latest-d-min')).toContain(latest.dMin!.toFixed(2));
    // The latest hit: a hit the fast path found, with its spot count, and a picture drawn.
    const preview = hook.lastPreview as PreviewMessage;
    expect(preview).not.toBeNull();
    const fastHit = results.find(
      (r) => r.type === 'frame' && r.path === 'fast' && r.series === preview.series && r.frame === preview.image,
    )!;
    expect(fastHit['hit']).toBe(true);
    expect(preview.nSpots).toBe(fastHit['n_spots']);
    expect(await text(page, 'preview-caption')).toContain(`image ${preview.image}`);
    expect(preview.width * preview.bin).toBeGreaterThanOrEqual(2068);
    // The ice flag, with its reason and since when.
    expect(await text(page, 'flag-ice-rings')).toMatch(/ice rings on \d+ of the last \d+ frames/);
    expect(await text(page, 'flag-ice-rings-since')).toMatch(/image \d+/);
    // Pipeline health.
    expect(digits(await text(page, 'workers-good'))).toBe(1);
    expect(await text(page, 'input-rate')).toMatch(/Hz/);

    // Back to the grid scan: its heat map, the crystal where the simulator put it.
    await page.selectOption('[data-field="series-select"]', String(s.recent.find((r) => r.series === 1)!.run));
    await page.waitForSelector('[data-field="heatmap-canvas"]', { state: 'visible' });
    const truth = (await import('node:fs')).readFileSync(join(run.dir, 'truth.jsonl'), 'utf8').split('\n');
    const grid = JSON.parse(truth.find((l) => l.includes('"grid"'))!).grid as {
      crystal_col: number;
      crystal_row: number;
    };
    const gridFrames = goodFrames(results, 1);
    expect(gridFrames).toHaveLength(120);
    const best = gridFrames.reduce((a, b) => ((b['n_spots'] as number) > (a['n_spots'] as number) ? b : a));
    const bestText = await text(page, 'heatmap-best');
    const m = /column (\d+), row (\d+) \(([\d,]+), image (\d+)\)/.exec(bestText)!;
    expect(m, bestText).not.toBeNull();
    const [col, row] = [Number(m[1]), Number(m[2])];
    expect(Number(m[3]!.replace(/,/g, ''))).toBe(best['n_spots']);
    expect(Number(m[4])).toBe(best['frame']);
    expect(Math.abs(col + 0.5 - grid.crystal_col)).toBeLessThanOrEqual(1);
    expect(Math.abs(row + 0.5 - grid.crystal_row)).toBeLessThanOrEqual(1);
    // The cell under the pointer names its image and values.
    await page.locator('[data-field="heatmap-canvas"]').scrollIntoViewIfNeeded();
    const at = await page.evaluate(
      ([c, r]) => (globalThis as unknown as PageGlobals).streamPipelineDashboard!.heatMapCellAt(c!, r!),
      [col, row],
    );
    await page.mouse.move(at.x, at.y);
    const tip = await text(page, 'heatmap-tooltip');
    expect(tip).toContain(`column ${col}, row ${row}`);
    expect(tip).toContain(`image ${best['frame']}`);
    expect(tip).toContain(`${(best['n_spots'] as number).toLocaleString('en-US')} spots`);
    // The X-ray centring, once the scan was summarised: its centre within half a cell of the crystal.
    const centring = /X-ray centring: column ([\d.]+), row ([\d.]+)/.exec(await text(page, 'heatmap-centring'))!;
    expect(centring).not.toBeNull();
    expect(Math.abs(Number(centring[1]) - grid.crystal_col)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(Number(centring[2]) - grid.crystal_row)).toBeLessThanOrEqual(0.5);
    // A cell far from the crystal is empty.
    const far = gridFrames.filter((f) => f['n_spots'] === 0);
    expect(far.length).toBeGreaterThan(10);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-e2e-grid.png') });
    if (process.env['UPDATE_DOCS_SCREENSHOT'])
      copyFileSync(join(ARTIFACTS, 'dashboard-e2e-grid.png'), join(PROJECT_ROOT, 'docs', 'dashboard-grid.png'));

    const times = applyTimes(hook);
    console.log(
      `dashboard apply time in Chromium over ${times.n} updates: p50 ${times.p50} ms, p95 ${times.p95} ms, max ${times.max} ms`,
    );
    expect(times.n).toBeGreaterThan(20);
    expect(times.p95).toBeLessThan(16);
    expect(browser.errors).toEqual([]);
  }, 300_000);

  it('raises the split-spot flag for a series of split crystals', async () => {
    const { browser, page } = await watch([
      '--frames',
      '200',
      '--rate',
      '30',
      '--hit-fraction',
      '0.5',
      '--split-spots',
      '--dtype',
      'uint16',
      '--seed',
      '12',
    ]);
    const s = await until(page, 'the split-spot flag', (x) =>
      (x.current?.flags ?? []).some((f) => f.flag === 'multiple-lattices'),
    );
    expect(await text(page, 'flag-multiple-lattices')).toMatch(/split spots on \d+ of the last \d+ hits/);
    expect(s.current!.flags.some((f) => f.flag === 'ice-rings')).toBe(false);
    expect(await page.$('[data-field="flag-ice-rings"]')).toBeNull();
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-e2e-split.png') });
    expect(browser.errors).toEqual([]);
  }, 300_000);
});
