// Hit files from the whole pipeline, as real processes: a simulated EIGER series is recorded,
// replayed into `stream-pipeline --hdf5-dir`, and exported offline with `stream-pipeline export`.
// Read back with h5py: the hits and only the hits, their chunks byte for byte as the detector
// sent them, their image numbers, spots and results as in the results file, file records in the
// results, and the same files from export as from the live run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingReader } from '../tools/replay/RecordingReader.js';
import { runCli, startCli } from './helpers/cli.js';
import { h5pyMissing, inspectStack, readNodes, sha256 } from './helpers/hitFiles.js';
import { readResults, startPipelineRun, testConfig, type ResultsRecord } from './helpers/pipelineRun.js';
import { readdirSync } from 'node:fs';
import { tempDirs } from './helpers/tempDirs.js';

const missing = h5pyMissing();
if (missing) console.warn(`skipping the hit-file pipeline run: ${missing}`);
const tempDir = tempDirs('sp-hdf5-run-');
const FRAMES = 12;

const POOLS = `  fast:
    workers: 1
  good:
    workers: 1
    spot_finder: dispersion`;

/** The stream's chunk of each image, by image number (V1: part 3 of an image message). */
async function streamChunks(recording: string): Promise<Map<number, string>> {
  const reader = await RecordingReader.open(recording);
  const chunks = new Map<number, string>();
  try {
    for await (const m of reader.messages()) {
      const head = JSON.parse(m.parts[0]!.toString()) as { htype?: string; frame?: number };
      if (head.htype === 'dimage-1.0') chunks.set(head.frame!, sha256(m.parts[2]!));
    }
  } finally {
    await reader.close();
  }
  return chunks;
}

interface Written {
  images: number[];
  nPeaks: number[];
  nSpots: number[];
  peakX: number[][];
  chunks: string[];
}

/**
 * What the master holds per frame, through h5py (chunks from the data files, in order), put in
 * image-number order: frames are written in the order their results come, which with several
 * good workers is not always the detector's.
 */
function written(master: string, dataFiles: string[]): Written {
  const r = readNodes(master, [
    '/entry/result/image_number',
    '/entry/result/nPeaks',
    '/entry/result/n_spots',
    '/entry/result/peakXPosRaw',
  ]);
  const images = r['/entry/result/image_number']!.value as number[];
  const nPeaks = r['/entry/result/nPeaks']!.value as number[];
  const nSpots = r['/entry/result/n_spots']!.value as number[];
  const peakX = r['/entry/result/peakXPosRaw']!.value as number[][];
  const chunks = dataFiles.flatMap((f) => inspectStack(f).chunks);
  const order = images.map((_, i) => i).sort((a, b) => images[a]! - images[b]!);
  return {
    images: order.map((i) => images[i]!),
    nPeaks: order.map((i) => nPeaks[i]!),
    nSpots: order.map((i) => nSpots[i]!),
    peakX: order.map((i) => peakX[i]!),
    chunks: order.map((i) => chunks[i]!),
  };
}

describe.skipIf(missing !== null)('hit files of a pipeline run', () => {
  let dir: string;
  let recording: string;
  beforeAll(async () => {
    dir = tempDir();
    recording = join(dir, 'series.sprec');
    const sim = startCli([
      'simulate',
      '--bind',
      'tcp://127.0.0.1:*',
      '--frames',
      String(FRAMES),
      '--hit-fraction',
      '0.5',
      '--rate',
      'max',
      '--seed',
      '5',
    ]);
    const endpoint = await sim.listeningEndpoint();
    const rec = await runCli(['record', '--endpoint', endpoint, '--out', recording, '--series', '1']);
    expect(rec.code, rec.stderr).toBe(0);
    expect((await sim.done).code).toBe(0);
  }, 120_000);

  it('writes the hits, announces each file, and exports the same frames offline', async () => {
    const live = join(dir, 'live');
    const config = join(dir, 'pipeline.yaml');
    writeFileSync(
      config,
      testConfig(POOLS).replace('outputs:', `outputs:\n  hdf5:\n    directory: ${live}\n    frames_per_file: 2`),
    );
    const replay = startCli(['replay', recording, '--bind', 'tcp://127.0.0.1:*', '--speed', 'max']);
    const endpoint = await replay.listeningEndpoint();
    const run = await runCli(
      ['--config', config, '--endpoint', endpoint, '--results', join(dir, 'results.jsonl'), '--once'],
      120_000,
    );
    expect(run.code, run.stderr).toBe(0);
    await replay.done;

    const records = readResults(dir);
    const frames = records.filter((r) => r.type === 'frame' && r['path'] === 'good') as (ResultsRecord & {
      frame: number;
      hit: boolean;
      n_spots: number;
      spots: [number, number, number][];
    })[];
    const hits = frames.filter((f) => f.hit).sort((a, b) => a.frame - b.frame);
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThan(FRAMES);
    const summary = records.find((r) => r.type === 'summary') as ResultsRecord & {
      hits: number;
      hit_files: { master: string; hits_written: number; frames_written: number; not_written: number; files: string[] };
    };
    expect(summary.hit_files).toMatchObject({ hits_written: hits.length, frames_written: hits.length, not_written: 0 });
    // Every file is announced once, before the summary, and is among the summary's files.
    const fileRecords = records.filter((r) => (r.type as string) === 'file') as unknown as {
      kind: string;
      path: string;
    }[];
    expect(fileRecords.map((f) => f.path).sort()).toEqual([...summary.hit_files.files].sort());
    const dataFiles = fileRecords.filter((f) => f.kind === 'data').map((f) => f.path);
    expect(dataFiles.length).toBe(Math.ceil(hits.length / 2));

    const w = written(summary.hit_files.master, dataFiles.sort());
    expect(w.images).toEqual(hits.map((h) => h.frame));
    expect(w.nSpots).toEqual(hits.map((h) => h.n_spots));
    expect(w.nPeaks).toEqual(hits.map((h) => Math.min(h.n_spots, h.spots.length)));
    // CXI peak positions are pixel indices (the first pixel's centre at 0); ours are DIALS's (0.5).
    hits.forEach((h, i) => h.spots.forEach(([x], j) => expect(w.peakX[i]![j]).toBeCloseTo(x - 0.5, 3)));
    const stream = await streamChunks(recording);
    expect(w.chunks).toEqual(hits.map((h) => stream.get(h.frame)));

    // Offline: the same recording through `export --hits-only` gives the same frames and results.
    const exported = join(dir, 'offline', 'ssx');
    const ex = await runCli(['export', recording, '--out', exported, '--hits-only', '--config', config], 120_000);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stderr).toContain(`wrote ${exported}_master.h5`);
    const exportedFiles = [1, 2, 3, 4, 5, 6]
      .slice(0, dataFiles.length)
      .map((n) => `${exported}_data_${String(n).padStart(6, '0')}.h5`);
    expect(written(`${exported}_master.h5`, exportedFiles)).toEqual(w);
  }, 240_000);
});

describe.skipIf(missing !== null)('hit files when the pipeline is stopped', () => {
  it('on SIGINT mid-series closes the files of what it wrote: complete files only, the summary says how many', async () => {
    const run = await startPipelineRun({
      simulatorArgs: ['--frames', '1000', '--rate', '20', '--dtype', 'uint16', '--hit-fraction', '0.5'],
      yaml: '',
      timeoutMs: 120_000,
      once: false,
      configFor: (dir) =>
        testConfig(POOLS).replace(
          'outputs:',
          `outputs:\n  hdf5:\n    directory: ${join(dir, 'hits')}\n    frames_per_file: 4`,
        ),
    });
    // Some files complete, then interrupt.
    await run.pipeline.waitForStderr(/"kind":"data"[\s\S]*"kind":"data"/);
    run.pipeline.child.kill('SIGINT');
    const result = await run.pipeline.done;
    run.simulator.child.kill('SIGTERM');
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const summary = readResults(run.dir).find((r) => r.type === 'summary') as ResultsRecord & {
      hits: number;
      hit_files: { master: string; hits_written: number; frames_written: number; not_written: number };
    };
    expect(summary.hit_files.master).toBe(join(run.dir, 'hits', 'stream-pipeline_1_master.h5'));
    // Every hit processed before the stop is in the files.
    expect(summary.hit_files).toMatchObject({ hits_written: summary.hits, not_written: 0 });
    const stack = inspectStack(summary.hit_files.master);
    expect(stack.frames.length).toBe(summary.hits);
    // Nothing is left half-written under a final name or as a temporary file.
    expect(readdirSync(join(run.dir, 'hits')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 150_000);
});
