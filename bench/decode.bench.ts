// Frame decode throughput, one thread: our native decoder (at each CPU level) on the real 4M
// uint32 frame (hdf5plugin bitshuffle.h5) and the real 16M uint16 frame (tickit frame_sample),
// next to Debian's bitshuffle.decompress_lz4 on the same bytes, timed in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { supportedCpuLevels, type CpuLevel } from '../src/native/cpuLevel.js';
import { nativeAddon } from '../src/native/addon.js';
import { SYSTEM_PYTHON, type BenchReport } from './report.js';

const RUNS = 30;

interface BenchFrame {
  name: string;
  path: string;
  offset: number;
  size: number;
  width: number;
  height: number;
  elemSize: 2 | 4;
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6 && !existsSync(join(dir, 'package.json')); i++) dir = resolve(dir, '..');
  return dir;
}

function frames(root: string): BenchFrame[] {
  const data = resolve(root, '..', 'shared', 'data');
  const golden = JSON.parse(readFileSync(join(root, 'test', 'goldens', 'codec', 'real-frames.json'), 'utf8')) as {
    hdf5plugin_bitshuffle_h5: { chunkOffset: number; chunkSize: number };
  };
  const h5 = join(data, 'hdf5plugin', 'bitshuffle.h5');
  const sample = join(data, 'captures', 'tickit_v2_eiger2_16m', 'frame_sample');
  const out: BenchFrame[] = [];
  if (existsSync(h5)) {
    const g = golden.hdf5plugin_bitshuffle_h5;
    out.push({
      name: '4M uint32 (bitshuffle.h5)',
      path: h5,
      offset: g.chunkOffset,
      size: g.chunkSize,
      width: 2070,
      height: 2167,
      elemSize: 4,
    });
  }
  if (existsSync(sample)) {
    out.push({
      name: '16M uint16 (frame_sample)',
      path: sample,
      offset: 0,
      size: -1,
      width: 4148,
      height: 4362,
      elemSize: 2,
    });
  }
  return out;
}

function blobOf(f: BenchFrame): Uint8Array {
  const file = readFileSync(f.path);
  return f.size < 0 ? file : file.subarray(f.offset, f.offset + f.size);
}

interface Timing {
  best: number;
  median: number;
}

function summarize(ms: number[]): Timing {
  const sorted = [...ms].sort((a, b) => a - b);
  return { best: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
}

function timeOurs(blob: Uint8Array, f: BenchFrame, level: CpuLevel): Timing {
  const codec = nativeCodec();
  nativeAddon().setCpuLevel(level);
  const dst = new Uint8Array(f.width * f.height * f.elemSize); // reused, as the pipeline does
  for (let i = 0; i < 3; i++) codec.decodeInto(blob, 3, f.elemSize, dst); // warm up
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    codec.decodeInto(blob, 3, f.elemSize, dst);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return summarize(ms);
}

const REFERENCE = String.raw`
import sys, json, timeit
import numpy as np, bitshuffle
path, offset, size, w, h, elem = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
data = open(path, 'rb').read()
blob = data[offset:offset + size] if size >= 0 else data
dt = np.dtype({2: np.uint16, 4: np.uint32}[elem])
block = int.from_bytes(blob[8:12], 'big') // elem
arr = np.frombuffer(blob[12:], dtype=np.uint8)
run = lambda: bitshuffle.decompress_lz4(arr, (h, w), dt, block)
run()
print(json.dumps([t * 1000 for t in timeit.repeat(run, number=1, repeat=int(sys.argv[7]))]))
`;

/** Per-run times of the reference decode (ms), or why it could not run. */
function timeReference(f: BenchFrame): number[] | string {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`;
  const args = [f.path, f.offset, f.size, f.width, f.height, f.elemSize, RUNS].map(String);
  const r = spawnSync(SYSTEM_PYTHON, ['-c', REFERENCE, ...args], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return `reference unavailable: ${r.stderr.trim().split('\n').pop() ?? 'failed'}`;
  return JSON.parse(r.stdout) as number[];
}

export default async function decodeBench(report: BenchReport): Promise<void> {
  const list = frames(projectRoot());
  if (list.length === 0) {
    process.stdout.write('decode: real data not found under ../shared/data; nothing to measure\n');
    return;
  }
  const initial = nativeAddon().cpuLevel();
  const levels = supportedCpuLevels();
  try {
    for (const f of list) {
      const blob = blobOf(f);
      // The machine is shared: time the reference both before and after ours and pool the runs,
      // so a busy spell does not favour either side.
      const before = timeReference(f);
      const timings = new Map(levels.map((level) => [level, timeOurs(blob, f, level)] as const));
      const after = timeReference(f);
      const ref =
        typeof before === 'string' ? before : typeof after === 'string' ? after : summarize([...before, ...after]);
      const refNote = typeof ref === 'string' ? ref : undefined;
      for (const level of levels) {
        const ours = timings.get(level)!;
        for (const stat of ['best', 'median'] as const) {
          report.add({
            name: `decode bslz4 ${f.name} ${level} ${stat} of ${RUNS}`,
            value: ours[stat],
            unit: 'ms/frame',
            higherIsBetter: false,
            ...(typeof ref === 'string'
              ? { note: refNote }
              : { reference: { name: `Debian bitshuffle.decompress_lz4 ${stat}`, value: ref[stat] } }),
            ...(level === initial ? { target: '>= 3x reference' } : {}),
          });
        }
      }
    }
  } finally {
    nativeAddon().setCpuLevel(initial);
  }
  await Promise.resolve();
}
