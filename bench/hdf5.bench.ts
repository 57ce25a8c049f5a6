// Hit-file write throughput, one core: the NXmx series writer (direct chunk writes of the
// detector's bslz4 bytes, data files of 1000 frames, the master and geometry at the end) in
// frames/s and GB/s of compressed data, for simulated EIGER2 4M (2068 x 2162 uint32) and 16M
// (4148 x 4362 uint32) hits, and the real 4M (bitshuffle.h5) and 16M (tickit frame_sample) frames
// when ../shared/data has them. Reference, same run: the same bytes written with fs.writeSync into
// plain files of the same size (timed before and after ours, pooled). Target: >= 1,000 4M hits/s.
//
// Measured twice: in memory (/dev/shm, tmpfs: the writer's own cost on one core) and on the disk
// under the system temporary directory (what the page cache and the disk then allow), each in a
// fresh directory removed after each measurement. HDF5_BENCH_DIR measures one directory instead;
// HDF5_BENCH_SCALE multiplies the frame counts (default 1).
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { NxmxSeriesWriter, type HitFileSeries, type HitFrame } from '../src/sinks/hdf5/NxmxSeriesWriter.js';
import { detectorModel, type DetectorName } from '../src/simulator/DetectorModel.js';
import { DEFAULT_SYNTH_OPTIONS, synthesizeFrameInto } from '../src/simulator/FrameSynth.js';
import { testSeries } from '../test/helpers/hitFiles.js';
import type { BenchReport } from './report.js';

const SCALE = Number(process.env['HDF5_BENCH_SCALE'] ?? 1);
const FRAMES_PER_FILE = 1000;

interface Case {
  name: string;
  width: number;
  height: number;
  dtype: 'uint16' | 'uint32';
  /** Distinct compressed frames, written in turn. */
  blobs: Uint8Array[];
  frames: number;
  target?: string;
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'package.json')); i++) dir = resolve(dir, '..');
  return dir;
}

function simulated(name: DetectorName, label: string, distinct: number, frames: number, target?: string): Case {
  const model = detectorModel(name);
  const pixels = new Uint32Array(model.pixelCount);
  const blobs: Uint8Array[] = [];
  for (let i = 0; i < distinct; i++) {
    synthesizeFrameInto(model, { ...DEFAULT_SYNTH_OPTIONS, dtype: 'uint32', hitFraction: 1 }, i, 7, pixels);
    blobs.push(nativeCodec().encodeBslz4(pixels, 4));
  }
  return { name: label, width: model.width, height: model.height, dtype: 'uint32', blobs, frames, target };
}

function realCases(root: string): Case[] {
  const data = resolve(root, '..', 'shared', 'data');
  const out: Case[] = [];
  const h5 = join(data, 'hdf5plugin', 'bitshuffle.h5');
  if (existsSync(h5)) {
    const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'codec', 'real-frames.json'), 'utf8')) as {
      hdf5plugin_bitshuffle_h5: { chunkOffset: number; chunkSize: number };
    };
    const g = golden.hdf5plugin_bitshuffle_h5;
    const blob = readFileSync(h5).subarray(g.chunkOffset, g.chunkOffset + g.chunkSize);
    out.push({
      name: 'real 4M uint32 (bitshuffle.h5)',
      width: 2070,
      height: 2167,
      dtype: 'uint32',
      blobs: [blob],
      frames: 300,
    });
  }
  const sample = join(data, 'captures', 'tickit_v2_eiger2_16m', 'frame_sample');
  if (existsSync(sample)) {
    const blob = readFileSync(sample);
    out.push({
      name: 'real 16M uint16 (frame_sample)',
      width: 4148,
      height: 4362,
      dtype: 'uint16',
      blobs: [blob],
      frames: 600,
    });
  }
  return out;
}

function seriesFor(c: Case, directory: string): HitFileSeries {
  const { width, height, dtype } = c;
  return testSeries(directory, { prefix: 'bench', framesPerFile: FRAMES_PER_FILE, width, height, dtype });
}

/** A hit's result with 60 spots, as the analysis would hand it over. */
const RESULT: HitFrame['result'] = {
  n_spots: 60,
  n_spots_no_ice: 58,
  n_spots_4A: 20,
  d_min: 2.1,
  hit: true,
  flags: [],
  total_intensity: 123456,
  spots: Array.from({ length: 60 }, (_, i) => [100 + i * 13.5, 200 + i * 7.25, 500 + i] as [number, number, number]),
};

/** Seconds to write the case as a hit series (constructor to finish). */
function timeOurs(c: Case, dir: string): number {
  const t0 = process.hrtime.bigint();
  const w = new NxmxSeriesWriter(seriesFor(c, dir));
  for (let i = 0; i < c.frames; i++) {
    w.write({
      image: i,
      chunk: c.blobs[i % c.blobs.length]!,
      startTime: i * 0.001,
      receivedAt: Date.now(),
      result: RESULT,
    });
  }
  w.finish(Date.now());
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Seconds to write the same bytes with fs.writeSync into plain files of FRAMES_PER_FILE frames. */
function timeReference(c: Case, dir: string): number {
  const t0 = process.hrtime.bigint();
  let fd = -1;
  for (let i = 0; i < c.frames; i++) {
    if (i % FRAMES_PER_FILE === 0) {
      if (fd >= 0) closeSync(fd);
      fd = openSync(join(dir, `plain_${i / FRAMES_PER_FILE}.bin`), 'wx');
    }
    const blob = c.blobs[i % c.blobs.length]!;
    for (let off = 0; off < blob.length;) off += writeSync(fd, blob, off);
  }
  closeSync(fd);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs `fn` in a fresh directory, removed afterwards (so the disk never holds more than one run). */
function inFreshDir(base: string, fn: (dir: string) => number): number {
  const dir = mkdtempSync(join(base, 'hdf5-bench-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Where to write: memory (3 rounds) and disk (1: it writes gigabytes), or HDF5_BENCH_DIR. */
function places(): { label: string; dir: string; rounds: number }[] {
  const chosen = process.env['HDF5_BENCH_DIR'];
  if (chosen) return [{ label: chosen, dir: chosen, rounds: 3 }];
  const out = existsSync('/dev/shm') ? [{ label: 'tmpfs', dir: '/dev/shm', rounds: 3 }] : [];
  return [...out, { label: 'disk', dir: tmpdir(), rounds: 1 }];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export default async function hdf5Bench(report: BenchReport): Promise<void> {
  const frames = (n: number) => Math.max(10, Math.round(n * SCALE));
  process.stdout.write('hdf5: simulating frames...\n');
  const cases = [
    simulated('eiger2-4m', 'simulated 4M uint32 hits', 4, frames(1000), '>= 1000 frames/s'),
    ...realCases(projectRoot()).map((c) => ({ ...c, frames: frames(c.frames) })),
    simulated('eiger2-16m', 'simulated 16M uint32 hits', 2, frames(150)),
  ];
  for (const place of places()) {
    process.stdout.write(`hdf5: writing under ${place.dir} (${place.label})\n`);
    for (const c of cases) {
      const bytes = Array.from({ length: c.frames }, (_, i) => c.blobs[i % c.blobs.length]!.length).reduce(
        (a, b) => a + b,
        0,
      );
      inFreshDir(place.dir, (dir) => timeOurs({ ...c, frames: Math.min(c.frames, 20) }, dir)); // warm up
      // The machine is shared: alternate reference and ours, and take the median of each.
      const refs = [inFreshDir(place.dir, (dir) => timeReference(c, dir))];
      const runs: number[] = [];
      for (let r = 0; r < place.rounds; r++) {
        runs.push(inFreshDir(place.dir, (dir) => timeOurs(c, dir)));
        refs.push(inFreshDir(place.dir, (dir) => timeReference(c, dir)));
      }
      const ours = median(runs);
      const ref = median(refs);
      const mb = (bytes / c.frames / 1e6).toFixed(2);
      const note = `${c.frames} frames of ${mb} MB compressed (${c.width} x ${c.height} ${c.dtype}), ${FRAMES_PER_FILE} per file, median of ${place.rounds}`;
      const reference = (value: number) => ({ name: 'fs.writeSync of the same bytes', value });
      report.add({
        name: `hdf5 write ${c.name} (${place.label})`,
        value: c.frames / ours,
        unit: 'frames/s',
        higherIsBetter: true,
        reference: reference(c.frames / ref),
        ...(c.target ? { target: c.target } : {}),
        note,
      });
      report.add({
        name: `hdf5 write ${c.name} (${place.label}), compressed data`,
        value: bytes / ours / 1e9,
        unit: 'GB/s',
        higherIsBetter: true,
        reference: reference(bytes / ref / 1e9),
      });
    }
  }
  await Promise.resolve();
}
