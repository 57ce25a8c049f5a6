// The simulated grid scan: a crystal at a seeded position, spots per cell falling off with the
// distance from it, every cell its own frame, and a header our own receiver reads back as the
// grid (V1 appendix text, V2 user_data map); a further series is serial crystallography.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import type { SeriesStart } from '../src/receiver/events.js';
import { StreamReceiver } from '../src/receiver/StreamReceiver.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { DetectorSimulator, type SimulatorOptions } from '../src/simulator/DetectorSimulator.js';
import { frameTruth, isHitFrame, synthesizeFrame, type SynthOptions } from '../src/simulator/FrameSynth.js';
import { GridFrames } from '../src/simulator/GridFrames.js';
import { gridHeaderAppendix, simulatedGrid, type SimulatedGrid } from '../src/simulator/SimulatedGrid.js';
import { cellOfImage, gridScanOf, imageOfCell, type GridScan } from '../src/stages/grid/gridScan.js';

const dir = mkdtempSync(join(tmpdir(), 'sp-sim-grid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const model = detectorModel('eiger2-4m');
const synth: SynthOptions = { dtype: 'uint16', hitFraction: 0.5, iceRings: false, splitSpots: false };

/** Distance (cells) from the crystal to the centre of cell (col, row). */
const distance = (g: SimulatedGrid, col: number, row: number) =>
  Math.hypot(col + 0.5 - g.crystal.col, row + 0.5 - g.crystal.row);

/** Every cell with its truth spot count and its distance from the crystal. */
function cellsOf(g: SimulatedGrid, spotsOfImage: (image: number) => number) {
  const cells: { col: number; row: number; d: number; spots: number }[] = [];
  for (let row = 0; row < g.scan.rows; row++) {
    for (let col = 0; col < g.scan.cols; col++) {
      cells.push({ col, row, d: distance(g, col, row), spots: spotsOfImage(imageOfCell(g.scan, col, row)) });
    }
  }
  return cells;
}

/** Spots fall with distance: the nearest cell has the most, none beyond 4 cells, and a nearer
 * cell never has fewer than a farther one. */
function expectFallOff(g: SimulatedGrid, spotsOfImage: (image: number) => number): void {
  const cells = cellsOf(g, spotsOfImage).sort((a, b) => a.d - b.d);
  const nearest = cells[0]!;
  expect(nearest.spots).toBe(Math.max(...cells.map((c) => c.spots)));
  expect(nearest.spots).toBeGreaterThan(150);
  for (let i = 1; i < cells.length; i++) expect(cells[i]!.spots).toBeLessThanOrEqual(cells[i - 1]!.spots);
  const far = cells.filter((c) => c.d > 4);
  expect(far.length).toBeGreaterThan(0);
  for (const c of far) expect(c.spots).toBe(0);
  // Hits by the default 20-spot threshold out to 3.5 cells at least.
  expect(cells.filter((c) => c.d < 3.5).every((c) => c.spots >= 20)).toBe(true);
}

describe('simulatedGrid', () => {
  it('puts the crystal at a seeded position away from the border, the same for the same seed', () => {
    const positions = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const g = simulatedGrid({ cols: 20, rows: 15 }, seed);
      // Far enough from the border for the whole spot (4 cells), or a quarter of the grid.
      expect(g.crystal.col).toBeGreaterThanOrEqual(4);
      expect(g.crystal.col).toBeLessThanOrEqual(16);
      expect(g.crystal.row).toBeGreaterThanOrEqual(15 / 4);
      expect(g.crystal.row).toBeLessThanOrEqual(15 - 15 / 4);
      positions.add(`${g.crystal.col},${g.crystal.row}`);
    }
    expect(positions.size).toBe(50);
    expect(simulatedGrid({ cols: 20, rows: 15 }, 7)).toEqual(simulatedGrid({ cols: 20, rows: 15 }, 7));
    const tiny = simulatedGrid({ cols: 1, rows: 2 }, 3);
    expect(tiny.crystal.col).toBeGreaterThanOrEqual(0.25);
    expect(tiny.crystal.col).toBeLessThanOrEqual(0.75);
    expect(tiny.spotCounts).toHaveLength(2);
  });

  it('gives every cell spots falling off with its distance from the crystal', () => {
    for (const seed of [1, 2, 3]) {
      const g = simulatedGrid({ cols: 20, rows: 15 }, seed);
      expect(g.scan).toMatchObject({ cols: 20, rows: 15, snaked: true, orientation: 'horizontal', dxMm: 0.02 });
      expect(g.spotCounts).toHaveLength(300);
      expectFallOff(g, (image) => g.spotCounts[image]!);
    }
  });

  it('describes the grid in the header, merged into a JSON-object appendix the user gave', () => {
    const g = simulatedGrid({ cols: 20, rows: 15 }, 1);
    expect(gridScanOf(gridHeaderAppendix(g), null).grid).toEqual(g.scan);
    const merged = gridHeaderAppendix(g, '{"acqID": "x17"}');
    expect(merged).toMatchObject({ acqID: 'x17' });
    expect(gridScanOf(merged, null).grid).toEqual(g.scan);
    // The user's own grid_scan wins.
    const own = gridHeaderAppendix(g, '{"grid_scan": {"steps_x": 3, "steps_y": 4}}');
    expect(gridScanOf(own, null).grid).toMatchObject({ cols: 3, rows: 4 });
    // Text that is no JSON object is sent as it is.
    expect(gridHeaderAppendix(g, 'hello')).toBe('hello');
  });
});

describe('GridFrames', () => {
  it("gives each image its own cell's spot count, empty cells sharing a few frames", async () => {
    const spotCounts = Array.from({ length: 40 }, (_, i) => (i === 5 ? 30 : i === 17 ? 12 : 0));
    const frames = new GridFrames({ model, synth: { ...synth, splitSpots: true }, seed: 4, spotCounts, live: false });
    await frames.fill();
    expect(frames.size).toBe(2 + 16);
    for (let i = 0; i < 40; i++) {
      const f = frames.frame(i);
      // Split spots double each one.
      expect(f.truth.spots.length).toBe(2 * spotCounts[i]!);
      expect(f.truth.hit).toBe(spotCounts[i]! > 0);
      expect(spotCounts[f.sourceIndex]).toBe(spotCounts[i]);
    }
    expect(frames.frame(5).sourceIndex).toBe(5);
    expect(new Set(Array.from({ length: 40 }, (_, i) => frames.frame(i).sourceIndex)).size).toBe(18);
  });
});

function simOptions(over: Partial<SimulatorOptions>): SimulatorOptions {
  return {
    detector: 'eiger2-4m',
    frames: 4,
    rate: 'max',
    stream: 1,
    dtype: 'uint16',
    hitFraction: 0.5,
    iceRings: true,
    splitSpots: false,
    seed: 9,
    bind: 'tcp://127.0.0.1:*',
    series: 1,
    seriesCount: 2,
    headerDetail: 'all',
    ...over,
  };
}

interface ReceivedSeries {
  start: SeriesStart;
  frames: number[];
  /** A decoded frame per image number asked for. */
  pixels: Map<number, Uint16Array | Uint32Array | Uint8Array>;
}

/** Runs the simulator into our receiver until `count` series have ended. */
async function receive(sim: DetectorSimulator, count: number, decode: (series: number, frame: number) => boolean) {
  await sim.prepare();
  const endpoint = await sim.bind();
  const sending = sim.run();
  const receiver = new StreamReceiver(endpoint, { logger: quiet });
  const decoder = new FrameDecoder();
  const series: ReceivedSeries[] = [];
  for await (const event of receiver) {
    if (event.type === 'series-start') series.push({ start: event, frames: [], pixels: new Map() });
    else if (event.type === 'frame') {
      const s = series.at(-1)!;
      s.frames.push(event.frame);
      if (decode(event.series, event.frame)) s.pixels.set(event.frame, decoder.decodeFrame(event).slice());
    } else if (series.length === count) break;
  }
  receiver.close();
  await sending;
  sim.close();
  return series;
}

interface TruthLine {
  series: number;
  frame?: number;
  cell?: { col: number; row: number };
  source?: number;
  hit?: boolean;
  spots?: unknown[];
  grid?: { cols: number; rows: number; crystal_col: number; crystal_row: number };
}

const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('a simulated grid scan on the wire', () => {
  for (const stream of [1, 2] as const) {
    it(`sends V${stream}: a 12x9 grid scan whose header gives the grid, then a serial series`, async () => {
      const truthFile = join(dir, `truth-v${stream}.jsonl`);
      const sim = new DetectorSimulator(
        simOptions({ stream, truthFile, grid: { cols: 12, rows: 9 }, headerAppendix: '{"acqID": "grid-1"}' }),
      );
      const expectedGrid: GridScan = {
        cols: 12,
        rows: 9,
        snaked: true,
        orientation: 'horizontal',
        dxMm: 0.02,
        dyMm: 0.02,
      };
      const truth = () =>
        readFileSync(truthFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as TruthLine);
      // Decode the crystal's cell, an empty cell, and one serial frame.
      const sample = simulatedGrid({ cols: 12, rows: 9 }, 9);
      const crystalImage = imageOfCell(sample.scan, Math.floor(sample.crystal.col), Math.floor(sample.crystal.row));
      const emptyImage = sample.spotCounts.indexOf(0);
      const received = await receive(
        sim,
        2,
        (series, frame) => (series === 1 && (frame === crystalImage || frame === emptyImage)) || series === 2,
      );
      const [grid, ssx] = received as [ReceivedSeries, ReceivedSeries];

      expect(grid.start.series).toBe(1);
      expect(grid.start.numberOfImages).toBe(108);
      expect(grid.frames).toEqual(Array.from({ length: 108 }, (_, i) => i));
      expect(gridScanOf(grid.start.userData, null)).toEqual({ grid: expectedGrid, problem: null });
      if (stream === 1) expect(JSON.parse(grid.start.userData as string)).toMatchObject({ acqID: 'grid-1' });
      else expect(grid.start.userData).toMatchObject({ acqID: 'grid-1' });

      expect(ssx.start.series).toBe(2);
      expect(ssx.start.numberOfImages).toBe(4);
      expect(ssx.frames).toEqual([0, 1, 2, 3]);
      expect(gridScanOf(ssx.start.userData, null)).toEqual({ grid: null, problem: null });
      expect(ssx.start.userData).toBe('{"acqID": "grid-1"}');

      const lines = truth();
      const gridLine = lines[0]!;
      expect(gridLine.series).toBe(1);
      expect(gridLine.grid).toMatchObject({ cols: 12, rows: 9 });
      const crystal = { col: gridLine.grid!.crystal_col, row: gridLine.grid!.crystal_row };
      expect(crystal).toEqual(sample.crystal);
      const gridFrames = lines.filter((l) => l.series === 1 && l.frame !== undefined);
      expect(gridFrames.map((l) => l.frame)).toEqual(grid.frames);
      for (const l of gridFrames) expect(l.cell).toEqual(cellOfImage(expectedGrid, l.frame!));
      const spotsOf = (image: number) => gridFrames[image]!.spots!.length;
      expectFallOff({ scan: expectedGrid, crystal, spotCounts: [] }, spotsOf);

      // What was sent is what the truth says: pixels made from the truth's source with the grid's counts.
      const gridSynth = { ...synth, iceRings: true, spotCounts: sample.spotCounts };
      for (const image of [crystalImage, emptyImage]) {
        const source = gridFrames[image]!.source!;
        expect(sample.spotCounts[source]).toBe(sample.spotCounts[image]);
        expect(sameBytes(grid.pixels.get(image)!, synthesizeFrame(model, gridSynth, source, 9).pixels)).toBe(true);
      }

      // The serial series is as without a grid: its frames, hits and spots.
      const ssxLines = lines.filter((l) => l.series === 2);
      expect(ssxLines.map((l) => l.frame)).toEqual([0, 1, 2, 3]);
      const ssxSynth = { ...synth, iceRings: true };
      ssxLines.forEach((l, i) => {
        expect(l.cell).toBeUndefined();
        expect(l.hit).toBe(isHitFrame(0.5, l.source!, 9));
        expect(l.spots).toEqual(frameTruth(model, ssxSynth, l.source!, 9).spots);
        expect(sameBytes(ssx.pixels.get(i)!, synthesizeFrame(model, ssxSynth, l.source!, 9).pixels)).toBe(true);
      });
    }, 120_000);
  }
});
