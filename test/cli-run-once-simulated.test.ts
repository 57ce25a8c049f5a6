// Grid scans through the whole pipeline. `run --once` with the built-in simulator waits for every
// series the simulator sends, not the first only: here a grid scan and then a serial series. The
// grid scan reaches the results file as the simulator described it, and its spots make a heat
// map centred on the simulated crystal. A header description the pipeline cannot use is logged,
// and the configured grid is used.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cellOfImage, type GridScan } from '../src/stages/grid/gridScan.js';
import { assertBuilt, runCli } from './helpers/cli.js';
import { readResults, startPipelineRun, testConfig } from './helpers/pipelineRun.js';
import { tempDirs } from './helpers/tempDirs.js';

beforeAll(() => assertBuilt());
const tempDir = tempDirs('sp-run-once-');

/** A port nobody listens on now (the simulator binds it next). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const jsonLines = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('run --once with the built-in simulator', () => {
  it('exits after the last simulated series: a 10x8 grid scan, then 12 serial frames', async () => {
    const dir = tempDir();
    const config = join(dir, 'grid.yaml');
    const results = join(dir, 'results.jsonl');
    const truth = join(dir, 'truth.jsonl');
    writeFileSync(
      config,
      `detector:
  endpoint: tcp://127.0.0.1:${await freePort()}
  simulate:
    grid: "10x8"
    frames: 12
    series: 2
    rate: 20
    dtype: uint16
    hit_fraction: 0.5
    seed: 5
    truth: ${truth}
pipeline:
  worker_port: 0
  fast:
    workers: 0
    min_workers: 0
    max_workers: 0
  good:
    workers: 1
    max_workers: 1
outputs:
  results: ${results}
  spots_in_results: false
  radial_in_results: false
  http_port: 0
logging:
  level: warn
`,
    );
    const r = await runCli(['--config', config, '--once'], 240_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const records = jsonLines(results);
    const summaries = records.filter((x) => x.type === 'summary');
    expect(summaries.map((s) => [s.series, s.received, s.processed, s.lost])).toEqual([
      [1, 80, 80, 0],
      [2, 12, 12, 0],
    ]);
    const series = records.filter((x) => x.type === 'series');
    const grid: GridScan = { cols: 10, rows: 8, snaked: true, orientation: 'horizontal', dxMm: 0.02, dyMm: 0.02 };
    expect(series.map((s) => s.grid_scan)).toEqual([
      { cols: 10, rows: 8, snaked: true, orientation: 'horizontal', dx_mm: 0.02, dy_mm: 0.02 },
      null,
    ]);

    // The heat map: spots found per cell, against the crystal the simulator put there.
    const crystal = jsonLines(truth).find((l) => l.grid)!.grid as { crystal_col: number; crystal_row: number };
    const cells = records
      .filter((x) => x.type === 'frame' && x.series === 1 && x.path === 'good')
      .map((f) => {
        const cell = cellOfImage(grid, f.frame as number)!;
        const d = Math.hypot(cell.col + 0.5 - crystal.crystal_col, cell.row + 0.5 - crystal.crystal_row);
        return { ...cell, d, spots: f.n_spots as number, hit: f.hit as boolean };
      });
    expect(cells).toHaveLength(80);
    const best = cells.reduce((a, b) => (b.spots > a.spots ? b : a));
    expect(best.d).toBeLessThan(1.5);
    const far = cells.filter((c) => c.d > 4.5);
    expect(far.length).toBeGreaterThan(10);
    expect(far.some((c) => c.hit)).toBe(false);
    expect(cells.filter((c) => c.d < 2).every((c) => c.hit)).toBe(true);
    // X-ray centring: the spot-weighted centre of the hits is the crystal's, within a cell.
    const hits = cells.filter((c) => c.hit);
    const weight = hits.reduce((sum, c) => sum + c.spots, 0);
    const centre = {
      col: hits.reduce((sum, c) => sum + c.spots * (c.col + 0.5), 0) / weight,
      row: hits.reduce((sum, c) => sum + c.spots * (c.row + 0.5), 0) / weight,
    };
    expect(Math.hypot(centre.col - crystal.crystal_col, centre.row - crystal.crystal_row)).toBeLessThan(1);
  }, 260_000);
});

describe('a grid description the pipeline cannot use', () => {
  it('is logged once, naming the field, and the configured grid is used', async () => {
    const run = await startPipelineRun({
      simulatorArgs: [
        '--frames',
        '3',
        '--rate',
        'max',
        '--header-appendix',
        '{"grid_scan": {"steps_x": 3, "steps_y": "one"}}',
      ],
      yaml: `detector:\n  grid_scan:\n    cols: 3\n    rows: 1\n${testConfig('  fast:\n    workers: 0\n    min_workers: 0\n  good:\n    workers: 1')}`,
      timeoutMs: 120_000,
    });
    const result = await run.pipeline.done;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('grid scan description not usable'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ series: 1, problem: expect.stringMatching(/grid_scan\.steps_y/) });
    expect(readResults(run.dir).find((x) => x.type === 'series')?.grid_scan).toEqual({
      cols: 3,
      rows: 1,
      snaked: false,
      orientation: 'horizontal',
      dx_mm: null,
      dy_mm: null,
    });
  }, 140_000);
});
