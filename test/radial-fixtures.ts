// Shared fixtures of the radial-profile tests: the deterministic synthetic EIGER2 4M frame that
// test/goldens/make_pyfai_goldens.py also generates (integer arithmetic only, so both sides get
// identical pixels), the goldens' paths, and a runner for the live pyFAI script.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { DetectorGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import type { UserMaskConfig } from '../src/stages/analysis/UserMask.js';
import type { RadialCorrections } from '../src/stages/analysis/RadialBins.js';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = resolve(here, '..');
export const DATA_ROOT = resolve(PROJECT_ROOT, '..', 'shared', 'data');
export const GOLDEN_DIR = join(here, 'goldens', 'radial');
export const GOLDEN_SCRIPT = join(here, 'goldens', 'make_pyfai_goldens.py');
export const SYSTEM_PYTHON = '/usr/bin/python3';

export const SYN = {
  width: 2068,
  height: 2162,
  beamCenterX: 1010.3,
  beamCenterY: 1123.6,
  distance: 0.15,
  wavelength: 1.0,
  pixelSizeX: 75e-6,
  pixelSizeY: 75e-6,
  saturation: 100000,
};
export const SYN_USER_MASK: UserMaskConfig = {
  rectangles: [{ x0: 1000, y0: 0, x1: 1020, y1: 1100 }],
  circles: [{ x: 1010.3, y: 1123.6, r: 40 }],
};
const GAP_COLS = [1028, 1040] as const;
const GAP_ROWS = [
  [512, 550],
  [1062, 1100],
  [1612, 1650],
] as const;
const RINGS = [300, 520, 760, 990];

export function synGeometry(): DetectorGeometry {
  const { saturation: _s, ...g } = SYN;
  return new DetectorGeometry(g);
}

/** 32-bit integer hash of a pixel index (uint32 wrapping arithmetic). */
export function mix32(i: number): number {
  let h = Math.imul(i, 0x9e3779b1) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface SyntheticFrame {
  pixels: Uint32Array;
  detectorMask: Uint32Array;
}

/** The synthetic EIGER2 4M frame: falling background, four rings, gaps, masked and saturated pixels. */
export function syntheticEigerFrame(): SyntheticFrame {
  const { width: w, height: h, saturation: sat } = SYN;
  const pixels = new Uint32Array(w * h);
  const detectorMask = new Uint32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    const x = i % w;
    const y = (i - x) / w;
    const hs = mix32(i);
    const r2 = (x - 1010) ** 2 + (y - 1124) ** 2;
    let v = 5 + Math.floor(2_000_000 / (r2 + 4000)) + (hs % 7) + ((hs >>> 8) % 3);
    for (const r of RINGS) if (Math.abs(r2 - r * r) < 6 * r) v += 40;
    const sel = (hs >>> 20) % 4096;
    if (sel === 0) v = sat + 1 + (hs % 100);
    if (sel === 1) v = sat;
    let det = 0;
    let gap = x >= GAP_COLS[0] && x < GAP_COLS[1];
    for (const [a, b] of GAP_ROWS) gap ||= y >= a && y < b;
    if (gap) {
      v = 0xffffffff;
      det = 1;
    }
    const sel2 = (hs >>> 12) % 5000;
    if (sel2 === 0) det |= 2;
    if (sel2 === 1) det |= 0x10000;
    if (sel2 === 2) v = 0xffffffff;
    pixels[i] = v;
    detectorMask[i] = det;
  }
  return { pixels, detectorMask };
}

export interface GoldenCase {
  name: string;
  unit: 'q' | '2theta' | 'd';
  npt: number;
  min: number;
  max: number;
  positions: number[];
  intensity: number[];
  count: number[];
  sumSignal: number[];
  sumNormalization: number[];
}

export interface GoldenFile {
  pyfai: string;
  geometry: Record<string, number>;
  rotations?: { rot1: number; rot2: number; rot3: number };
  frame?: Record<string, number>;
  /** Pixels below zero in the frame (PILATUS gaps), where the golden counted them. */
  negativePixels?: number;
  cases: GoldenCase[];
}

export function readGolden(dir: string, file: string): GoldenFile {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as GoldenFile;
}

/** Whether /usr/bin/python3 has pyFAI; the reason when not. */
export function pyfaiMissing(): string | null {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`;
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import pyFAI, fabio'], { encoding: 'utf8' });
  return r.status === 0 ? null : `pyFAI not importable by ${SYSTEM_PYTHON}: ${r.stderr.trim().split('\n').pop() ?? ''}`;
}

/** Runs the golden script now into a temporary folder and returns the folder (caller removes it). */
export function runLivePyfai(cases: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'radial-pyfai-'));
  const r = spawnSync(SYSTEM_PYTHON, [GOLDEN_SCRIPT, '--out', dir, '--cases', cases, '--data', DATA_ROOT], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`make_pyfai_goldens.py failed: ${r.stderr}`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A pyFAI run of `cases` made before the tests of the describe block this is called in (when
 * pyFAI is there; `missing` says why not) and removed after them; `dir()` is where it wrote.
 */
export function livePyfai(cases: string): { missing: string | null; dir: () => string } {
  const missing = pyfaiMissing();
  let live: { dir: string; cleanup: () => void } | null = null;
  beforeAll(() => {
    if (!missing) live = runLivePyfai(cases);
  }, 120_000);
  afterAll(() => live?.cleanup());
  return { missing, dir: () => live!.dir };
}

/** Corrections named in a golden case name ("solidangle", "pol0.99"). */
export function correctionsOf(name: string): RadialCorrections {
  const pol = /pol([0-9.]+)/.exec(name);
  return { solidAngle: name.includes('solidangle'), polarizationFactor: pol ? Number(pol[1]) : null };
}

interface Agreement {
  countMismatches: number;
  maxRelVsSums: number;
  maxRelVsIntensity: number;
  maxRelCentres: number;
  emptyBins: number;
}

/** Compares one of our profiles with a pyFAI case, bin by bin. */
export function compareWithPyfai(
  mean: Float64Array,
  count: Uint32Array,
  centres: Float64Array,
  c: GoldenCase,
): Agreement {
  const a: Agreement = { countMismatches: 0, maxRelVsSums: 0, maxRelVsIntensity: 0, maxRelCentres: 0, emptyBins: 0 };
  for (let b = 0; b < c.npt; b++) {
    const expectedCount = c.count[b] ?? -1;
    if (count[b] !== expectedCount) a.countMismatches++;
    a.maxRelCentres = Math.max(a.maxRelCentres, Math.abs(centres[b]! - c.positions[b]!) / Math.abs(c.positions[b]!));
    if (expectedCount === 0) {
      a.emptyBins++;
      if (!Number.isNaN(mean[b])) a.countMismatches++;
      continue;
    }
    const ref = c.sumSignal[b]! / c.sumNormalization[b]!;
    a.maxRelVsSums = Math.max(a.maxRelVsSums, Math.abs(mean[b]! - ref) / Math.abs(ref));
    a.maxRelVsIntensity = Math.max(
      a.maxRelVsIntensity,
      Math.abs(mean[b]! - c.intensity[b]!) / Math.abs(c.intensity[b]!),
    );
  }
  return a;
}
