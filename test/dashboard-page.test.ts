// The live-feedback page in a real browser (headless Chromium), built as the pipeline ships it
// and served under the pipeline's CSP by a stand-in server that pushes hand-built states and hit
// images over /ws. What the page shows is read back, not just that it drew something: text
// fields against the state's values, the plots' data against the arrays sent, the heat map's
// tooltip on the hot cell, pixels of the hit image, the flags, the look back at a past series,
// the banner when the feed drops, no console errors, and how long applying one state takes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSHandle } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateMessage } from '../src/dashboard/dashboardMessages.js';
import { chromiumMissing, openBrowser, type BrowserPage } from './helpers/browser.js';
import {
  GONE,
  HOT_CELL,
  LARGEST,
  LIVE,
  PAST,
  PREVIEW_BIN,
  PREVIEW_GAP_PIXEL,
  PREVIEW_SPOTS,
  REALISTIC,
  SETUP,
  pastSeries,
  previewMessage,
  stateMessage,
} from './helpers/dashboardFixtures.js';
import { DashboardServer } from './helpers/dashboardServer.js';

const missing = chromiumMissing();
if (missing) console.warn(`skipping the dashboard page tests: ${missing}`);

const ARTIFACTS = join(import.meta.dirname, 'artifacts');
const SCREENSHOT = join(ARTIFACTS, 'dashboard-page.png');

/** window.streamPipelineDashboard as the test reads it (the page's own type needs the DOM lib). */
interface Hook {
  lastState: StateMessage | null;
  appliedSeq: number | null;
  applyMs: number[];
  plots: Record<'hitRate' | 'spots' | 'radial' | 'separation' | 'dMin', { data: (number | null)[][] }>;
  heatMapCellAt(col: number, row: number): { x: number; y: number };
}
type PageGlobals = { streamPipelineDashboard?: Hook };

interface ScrollLike {
  document: { body: { scrollHeight: number } };
  scrollTo(x: number, y: number): void;
}

/** The minimum of a canvas the pixel checks use (the test is typed without the DOM lib). */
interface CanvasLike {
  width: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}

describe.skipIf(missing !== null)('the live-feedback page', () => {
  let assets: string;
  let server: DashboardServer;
  let browser: BrowserPage;
  let state: StateMessage;
  const preview = previewMessage();

  beforeAll(async () => {
    assets = mkdtempSync(join(tmpdir(), 'sp-dashboard-'));
    execFileSync(process.execPath, ['tools/build-dashboard.mjs', '--out', assets], { stdio: 'pipe' });
    server = await DashboardServer.start(assets);
    server.series.set(PAST.run, pastSeries());
    state = stateMessage(REALISTIC);
    server.push(state);
    server.push(preview);
    browser = await openBrowser();
    await browser.page.goto(server.url);
    await applied(state.seq);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (assets) rmSync(assets, { recursive: true, force: true });
  });

  const page = () => browser.page;
  const text = (name: string) => page().locator(`[data-field="${name}"]`).textContent();
  const visible = (name: string) => page().locator(`[data-field="${name}"]`).isVisible();
  const hook = (): Promise<JSHandle<Hook>> =>
    page().evaluateHandle(() => (globalThis as unknown as PageGlobals).streamPipelineDashboard!);

  async function applied(seq: number): Promise<void> {
    await page().waitForFunction(
      (s) => (globalThis as unknown as PageGlobals).streamPipelineDashboard?.appliedSeq === s,
      seq,
    );
  }

  async function showState(next: StateMessage): Promise<void> {
    state = next;
    server.push(next);
    await applied(next.seq);
  }

  it('shows the set-up, the series and its progress in the header', async () => {
    const s = state.current!;
    expect(await text('setup')).toBe(SETUP);
    expect(await text('series')).toBe(`series ${LIVE.series}`);
    expect(await text('series-run')).toBe(`run ${LIVE.run} · EIGER2 XE 16M`);
    expect(await text('series-state')).toBe('receiving');
    expect(await text('series-images')).toBe(`${n(s.counts.received)} / ${n(s.numberOfImages!)} images`);
    expect(await text('view-mode')).toBe('live');
    expect(await text('connection')).toBe('connected');
    expect(await visible('connection-banner')).toBe(false);
    const options = await page().locator('[data-field="series-select"] option').allTextContents();
    expect(options).toHaveLength(1 + state.recent.length);
    expect(options[2]).toContain(`series ${PAST.series} (run ${PAST.run}) · ended · 1,800 frames`);
  });

  it('shows the key numbers and the pipeline health as the state says', async () => {
    const s = state.current!;
    const h = state.health;
    expect(await text('latest-d-min')).toBe(`${s.latestDMin.dMin!.toFixed(2)} Å`);
    expect(await text('latest-d-min-image')).toBe(`image ${s.latestDMin.image}`);
    expect(await text('hit-rate-good')).toBe(`${(s.hitRate.good.at(-1)! * 100).toFixed(1)} %`);
    expect(await text('hit-rate-fast')).toBe(`${(s.hitRate.fast.at(-1)! * 100).toFixed(1)} %`);
    expect(await text('input-rate')).toBe(`${h.inputRate.toFixed(1)} Hz`);
    expect(await text('processed-rate-good')).toBe(`${h.processedRate.good.toFixed(1)} Hz`);
    expect(await text('processed-rate-fast')).toBe(`${h.processedRate.fast.toFixed(1)} Hz`);
    expect(await text('fast-skipped')).toBe(n(h.skippedFast));
    expect(await text('fast-skipped-reasons')).toBe('sampling 5,100, busy 110');
    expect(await text('good-queue-waiting')).toBe(String(h.goodQueue.waiting));
    expect(await text('good-queue-in-flight')).toBe(String(h.goodQueue.inFlight));
    expect(await text('good-queue-on-disk')).toBe(String(h.goodQueue.onDisk));
    expect(await text('good-queue-spilled')).toBe(String(h.goodQueue.spilledTotal));
    expect(await text('workers-good')).toBe(String(h.workers.good));
    expect(await text('workers-fast')).toBe(String(h.workers.fast));
    expect(await text('delay-good')).toBe('0.9 s');
    expect(await text('delay-fast')).toBe('0.1 s');
    expect(await text('files-written')).toBe(String(h.filesWritten));
    expect(await text('hit-file-queue')).toBe(String(h.hitFilesWaiting));
    expect(await text('series-received')).toBe(n(s.counts.received));
    expect(await text('series-processed-good')).toBe(n(s.counts.processedGood));
    expect(await text('series-hits-good')).toBe(String(s.counts.hitsGood));
    expect(await text('series-lost')).toBe(String(s.counts.lost));
    expect(await text('series-lost-reasons')).toBe('worker-died 3');
    expect(await page().locator('[data-field="series-lost"]').getAttribute('class')).toContain('bad');
  });

  it('plots exactly the arrays the state holds', async () => {
    const s = state.current!;
    const data = await (
      await hook()
    ).evaluate((h) => ({
      hitRate: h.plots.hitRate.data,
      spots: h.plots.spots.data,
      radial: h.plots.radial.data,
      separation: h.plots.separation.data,
      dMin: h.plots.dMin.data,
    }));
    const starts = (w: number, length: number) => Array.from({ length }, (_, i) => i * w);
    expect(data.hitRate).toEqual([s.hitRate.t, s.hitRate.good, s.hitRate.fast]);
    const spots = s.spotsPerImage;
    expect(data.spots).toEqual([starts(spots.binWidth, spots.good.length), spots.good, spots.fast]);
    const dMin = s.dMinPerImage;
    expect(data.dMin).toEqual([starts(dMin.binWidth, dMin.good.length), dMin.good, dMin.fast]);
    expect(data.radial).toEqual([s.radial.q, s.radial.current, s.radial.accumulated]);
    expect(data.separation).toEqual([starts(1, s.separation.counts.length), s.separation.counts]);
    expect(await text('radial-current')).toBe('image 1187 (good path)');
    expect(await text('radial-current-label')).toBe('current: image 1187 (good path)');
    expect(await text('radial-accumulated')).toBe('mean of 1,180 good-path frames');
    expect(await text('separation-threshold')).toBe('closer than 3 px: split or multiple lattices');
  });

  it('lists each red flag with its reason and since when', async () => {
    expect(await visible('flags-none')).toBe(false);
    expect(await text('flags-count')).toBe('2 red flags');
    for (const flag of state.current!.flags) {
      expect(await text(`flag-${flag.flag}`)).toBe(flag.reason);
      expect(await text(`flag-${flag.flag}-since`)).toBe(`since ${utcClock(flag.since)} (image ${flag.sinceImage})`);
    }
    expect(await text('flag-ice-rings-since')).toBe('since 09:40:47 (image 812)');
  });

  it('names the hot cell of the grid scan in the tooltip under the pointer', async () => {
    const grid = state.current!.grid!;
    const i = HOT_CELL.row * grid.cols + HOT_CELL.col;
    await page().locator('[data-field="heatmap-canvas"]').scrollIntoViewIfNeeded();
    const at = await (await hook()).evaluate((h, c) => h.heatMapCellAt(c.col, c.row), HOT_CELL);
    await page().mouse.move(at.x, at.y);
    await page().locator('[data-field="heatmap-tooltip"]').waitFor({ state: 'visible' });
    const tip = await text('heatmap-tooltip');
    expect(tip).toBe(
      [
        `column ${HOT_CELL.col}, row ${HOT_CELL.row}`,
        `image ${grid.images[i]}`,
        `${HOT_CELL.spots} spots`,
        `d_min ${grid.dMin[i]!.toFixed(2)} Å`,
      ].join('\n'),
    );
    // Row 3 runs right to left in the snaked scan: the image number proves the map is not mirrored.
    expect(grid.images[i]).toBe(3 * grid.cols + (grid.cols - 1 - HOT_CELL.col));
    expect(await text('heatmap-best')).toBe(
      `most spots: column ${HOT_CELL.col}, row ${HOT_CELL.row} (${HOT_CELL.spots}, image ${grid.images[i]})`,
    );
    const done = grid.spots.filter((v) => v !== null).length;
    expect(await text('heatmap-progress')).toBe(`${done} of ${grid.spots.length} cells analysed`);
  });

  it('draws the latest hit: caption, spots bright, gaps grey', async () => {
    expect(await text('preview-caption')).toBe('image 1187 · good path · 2 spots · d_min 2.31 Å');
    const pixels = await page()
      .locator('[data-field="preview-canvas"]')
      .evaluate(
        (el, { width, points }) => {
          const canvas = el as unknown as CanvasLike;
          const s = canvas.width / width;
          const ctx = canvas.getContext('2d');
          return points.map(([x, y]) =>
            Array.from(ctx.getImageData(Math.floor((x + 0.5) * s), Math.floor((y + 0.5) * s), 1, 1).data),
          );
        },
        {
          width: preview.width,
          points: [
            ...PREVIEW_SPOTS.map(([x, y]): [number, number] => [
              Math.floor(x / PREVIEW_BIN),
              Math.floor(y / PREVIEW_BIN),
            ]),
            [PREVIEW_GAP_PIXEL.x, PREVIEW_GAP_PIXEL.y] as [number, number],
          ],
        },
      );
    // Spots are far above the clipping level: the top of the scale, white.
    expect(pixels[0]).toEqual([255, 255, 255, 255]);
    expect(pixels[1]).toEqual([255, 255, 255, 255]);
    // Masked bins: the neutral gap colour.
    expect(pixels[2]).toEqual([96, 104, 120, 255]);
  });

  it('leaves a screenshot of the page for a person to look at', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // The whole page in one window (a full-page capture would draw the sticky header where the
    // page was scrolled to), with the pointer on the hot cell so the tooltip is in the picture.
    const viewport = page().viewportSize()!;
    const height = await page().evaluate(() => (globalThis as unknown as ScrollLike).document.body.scrollHeight);
    await page().setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
    await page().evaluate(() => (globalThis as unknown as ScrollLike).scrollTo(0, 0));
    const at = await (await hook()).evaluate((h, c) => h.heatMapCellAt(c.col, c.row), HOT_CELL);
    await page().mouse.move(at.x, at.y);
    await page().locator('[data-field="heatmap-tooltip"]').waitFor({ state: 'visible' });
    await page().screenshot({ path: SCREENSHOT });
    await page().setViewportSize(viewport);
  });

  it('shows a past series on demand, marked as such, and goes back to live', async () => {
    await page().mouse.move(5, 5);
    await page().selectOption('[data-field="series-select"]', String(PAST.run));
    await expect.poll(() => text('view-mode')).toBe(`viewing series ${PAST.series} (ended)`);
    expect(server.requests).toContain(`/api/series/${PAST.run}`);
    expect(await visible('back-to-live')).toBe(true);
    await page().screenshot({ path: join(ARTIFACTS, 'dashboard-page-past-series.png') });
    expect(await text('series')).toBe(`series ${PAST.series}`);
    expect(await text('series-state')).toBe('ended');
    expect(await text('series-images')).toBe('1,800 / 1,800 images');
    expect(await text('flags-none')).toBe('no red flags');
    expect(await visible('heatmap-panel')).toBe(false);
    // The latest hit belongs to the live series: not drawn over the past one.
    expect(await visible('preview-canvas')).toBe(false);
    expect(await text('preview-empty')).toBe('no hit image for this series yet');
    const past = pastSeries();
    const spots = await (await hook()).evaluate((h) => h.plots.spots.data[1]);
    expect(spots).toEqual(past.spotsPerImage.good);

    // Live states keep coming: the health panel follows them, the series panels stay on the past one.
    await showState(stateMessage({ ...REALISTIC, seq: state.seq + 1, jitter: 1 }));
    expect(await text('input-rate')).toBe('99.7 Hz');
    expect(await text('series')).toBe(`series ${PAST.series}`);

    await page().locator('[data-field="back-to-live"]').click();
    await expect.poll(() => text('view-mode')).toBe('live');
    expect(await text('series')).toBe(`series ${LIVE.series}`);
    expect(await visible('preview-canvas')).toBe(true);
    expect(await visible('view-banner')).toBe(false);
  });

  it('says so when a past series is gone, and stays live', async () => {
    await page().selectOption('[data-field="series-select"]', String(GONE.run));
    await expect.poll(() => text('view-notice')).toBe(`run ${GONE.run} is no longer kept by the pipeline`);
    expect(await text('view-mode')).toBe('live');
    expect(await text('series')).toBe(`series ${LIVE.series}`);
  });

  it('shows a disconnected banner when the feed drops, and reconnects by itself', async () => {
    server.dropClients();
    const banner = page().locator('[data-field="connection-banner"]');
    await banner.waitFor({ state: 'visible' });
    expect(await banner.textContent()).toMatch(/^disconnected — reconnecting/);
    expect(await text('connection')).toBe('disconnected');
    await page().screenshot({ path: join(ARTIFACTS, 'dashboard-page-disconnected.png') });
    expect(await page().locator('body').getAttribute('class')).toContain('stale');
    await banner.waitFor({ state: 'hidden', timeout: 15_000 });
    expect(server.clientCount).toBe(1);
    await showState(stateMessage({ ...REALISTIC, seq: state.seq + 1 }));
    expect(await text('connection')).toBe('connected');
  });

  it('applies the largest state well within one frame (p95 under 16 ms)', async () => {
    // The machine is shared (two cores; other test files may run beside this one): a round that
    // another process preempted says nothing about the page, so up to three rounds are measured
    // and the best must pass. A page that is slow is slow in every round.
    const rounds: ApplyTimes[] = [];
    for (let round = 0; round < 3; round++) {
      const times = await applyRound(100);
      rounds.push(times);
      console.log(`dashboard apply, round ${round + 1}: ${describeTimes(times)}`);
      if (times.p95 < 16) break;
    }
    const best = rounds.reduce((a, b) => (b.p95 < a.p95 ? b : a));
    expect(best.applies).toBeGreaterThan(50);
    expect(best.p95).toBeLessThan(16);
    // The plots hold the last state's arrays: only superseded states were left out.
    const spots = await (await hook()).evaluate((h) => h.plots.spots.data[1]);
    expect(spots).toEqual(state.current!.spotsPerImage.good);
  });

  /** Pushes `count` of the largest states, 20 ms apart, with a 400 x 400 hit image every tenth
   * (about one a second at the server's ten states a second), to a freshly loaded page. */
  async function applyRound(count: number): Promise<ApplyTimes> {
    await page().reload();
    await applied(state.seq);
    const before = await (await hook()).evaluate((h) => h.applyMs.length);
    const first = state.seq + 1;
    for (let i = 0; i < count; i++) {
      const next = stateMessage({ ...LARGEST, seq: first + i, jitter: i % 7 });
      server.push(next);
      if (i % 10 === 0) server.push(previewMessage({ width: 400, height: 400 }, 1500 + i));
      state = next;
      await sleep(20);
    }
    await applied(state.seq);
    const sorted = (await (await hook()).evaluate((h) => h.applyMs)).slice(before).sort((a, b) => a - b);
    return {
      states: count,
      applies: sorted.length,
      median: sorted[Math.floor(sorted.length / 2)]!,
      p95: sorted[Math.ceil(0.95 * sorted.length) - 1]!,
      max: sorted.at(-1)!,
    };
  }

  it('logged no console or page errors', () => {
    // The one expected: the browser reports the 404 for the series that is gone.
    const gone = (e: string) => e.includes('404') && e.includes(`/api/series/${GONE.run}`);
    expect(browser.errors.filter((e) => !gone(e))).toEqual([]);
  });
});

interface ApplyTimes {
  states: number;
  applies: number;
  median: number;
  p95: number;
  max: number;
}

function describeTimes(t: ApplyTimes): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return (
    `1024 bins, 400 radial bins, 30x30 grid, a 400x400 preview every 10th state: ` +
    `${t.applies} applies of ${t.states} states, median ${ms(t.median)}, p95 ${ms(t.p95)}, max ${ms(t.max)}`
  );
}

function n(v: number): string {
  return v.toLocaleString('en-US');
}

function utcClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
