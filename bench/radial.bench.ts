// Radial profile per frame, one core: ours next to pyFAI 0.21 integrate1d (CSR and histogram
// engines, no pixel splitting, OMP_NUM_THREADS=1) on the same uint32 frame, in the same run.
// pyFAI's first call (CSR matrix / position arrays) is excluded from its per-frame figure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SYSTEM_PYTHON, type BenchFigure, type BenchReport } from './report.js';
import { eigerGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import { buildStaticMask, validLimit } from '../src/stages/analysis/PixelMask.js';
import { buildRadialTables } from '../src/stages/analysis/RadialBins.js';
import { RadialProfile } from '../src/stages/analysis/RadialProfile.js';

const BINS = 1000;

interface Size {
  label: string;
  width: number;
  height: number;
  repeats: number;
}

const SIZES: Size[] = [
  { label: '4M', width: 2068, height: 2162, repeats: 40 },
  { label: '16M', width: 4148, height: 4362, repeats: 12 },
];

/** Poisson-like counts around 10 with EIGER-style gap lines of all-ones pixels (deterministic). */
function makeFrame(width: number, height: number): Uint32Array {
  const px = new Uint32Array(width * height);
  let s = 0x12345678;
  for (let i = 0; i < px.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    px[i] = 4 + ((s >>> 0) % 13);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x % 1040 >= 1030 || y % 551 >= 514) px[y * width + x] = 0xffffffff;
    }
  }
  return px;
}

function stats(times: number[]): { best: number; median: number } {
  const s = [...times].sort((a, b) => a - b);
  return { best: s[0]!, median: s[Math.floor(s.length / 2)]! };
}

const PYFAI_TIMER = String.raw`
import json, sys, time, numpy
from pyFAI.azimuthalIntegrator import AzimuthalIntegrator
from pyFAI.detectors import Detector
path, w, h, bcx, bcy, reps, npt, qmax = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
data = numpy.fromfile(path, dtype=numpy.uint32).reshape(h, w)
mask = data == 0xFFFFFFFF
det = Detector(pixel1=75e-6, pixel2=75e-6, max_shape=(h, w))
out = {}
for algo in ("csr", "histogram"):
    ai = AzimuthalIntegrator(dist=0.15, poni1=bcy * 75e-6, poni2=bcx * 75e-6, detector=det, wavelength=1e-10)
    kw = dict(unit="q_A^-1", radial_range=(0.0, qmax), method=("no", algo, "cython"), correctSolidAngle=False, mask=mask)
    t0 = time.perf_counter(); ai.integrate1d(data, npt, **kw); setup = time.perf_counter() - t0
    times = []
    for _ in range(reps):
        t0 = time.perf_counter(); ai.integrate1d(data, npt, **kw); times.append(time.perf_counter() - t0)
    times.sort()
    out[algo] = dict(first=setup * 1e3, best=times[0] * 1e3, median=times[len(times) // 2] * 1e3)
print(json.dumps(out))
`;

interface PyfaiTimes {
  csr: { first: number; best: number; median: number };
  histogram: { first: number; best: number; median: number };
}

function timePyfai(frame: Uint32Array, size: Size, bcx: number, bcy: number, qmax: number): PyfaiTimes | string {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} missing`;
  const dir = mkdtempSync(join(tmpdir(), 'radial-bench-'));
  try {
    const path = join(dir, 'frame.u32');
    writeFileSync(path, new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    const reps = Math.max(3, Math.floor(size.repeats / 4));
    const r = spawnSync(
      SYSTEM_PYTHON,
      [
        '-c',
        PYFAI_TIMER,
        path,
        String(size.width),
        String(size.height),
        String(bcx),
        String(bcy),
        String(reps),
        String(BINS),
        String(qmax),
      ],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, maxBuffer: 1 << 20 },
    );
    if (r.status !== 0) return `pyFAI failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
    return JSON.parse(r.stdout) as PyfaiTimes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function (report: BenchReport): Promise<void> {
  for (const size of SIZES) {
    const bcx = size.width / 2 + 0.3;
    const bcy = size.height / 2 - 0.4;
    const geometry = eigerGeometry(size.width, size.height, { beamCenterX: bcx, beamCenterY: bcy, distance: 0.15 });
    const frame = makeFrame(size.width, size.height);
    const qmax = geometry.qAt(0, 0);
    const t0 = performance.now();
    const mask = buildStaticMask(1, geometry, {
      width: size.width,
      height: size.height,
      dtype: 'uint32',
      saturationValue: 1e6,
      pixelMask: null,
    });
    const tables = buildRadialTables(geometry, mask, { unit: 'q', count: BINS, min: 0, max: qmax });
    const buildMs = performance.now() - t0;
    const profile = new RadialProfile(tables, validLimit('uint32', 1e6));
    const out = profile.createResult();
    for (let i = 0; i < 3; i++) profile.integrate(frame, out); // warm caches
    const times: number[] = [];
    for (let i = 0; i < size.repeats; i++) {
      const s = performance.now();
      profile.integrate(frame, out);
      times.push(performance.now() - s);
    }
    const ours = stats(times);
    const py = timePyfai(frame, size, bcx, bcy, qmax);
    const oursBest: BenchFigure = {
      name: `radial profile ${size.label} uint32 ${BINS} q-bins, ours best`,
      value: ours.best,
      unit: 'ms/frame',
      higherIsBetter: false,
      target: size.label === '4M' ? '<= 5 ms' : undefined,
    };
    if (typeof py === 'string') {
      report.add({ ...oursBest, note: `median ${ours.median.toFixed(2)} ms; pyFAI not measured: ${py}` });
      continue;
    }
    const note = `ours median ${ours.median.toFixed(2)} ms`;
    report.add({ ...oursBest, reference: { name: 'pyFAI csr 1 thread best', value: py.csr.best }, note });
    report.add({ ...oursBest, reference: { name: 'pyFAI histogram 1 thread best', value: py.histogram.best }, note });
    report.add({
      name: `radial profile ${size.label} uint32, ours median`,
      value: ours.median,
      unit: 'ms/frame',
      higherIsBetter: false,
      reference: { name: 'pyFAI csr 1 thread median', value: py.csr.median },
    });
    report.add({
      name: `radial tables ${size.label} (once per geometry: mask + bin table), ours`,
      value: buildMs,
      unit: 'ms',
      higherIsBetter: false,
      reference: { name: 'pyFAI csr first call (setup + 1 frame)', value: py.csr.first },
    });
  }
}
