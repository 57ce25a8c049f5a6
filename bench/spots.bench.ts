// Spot finding per frame, single thread: dispersion (DIALS's default dispersion_extended and the
// classic threshold), peakfinder8 full and fast, and the per-image statistics, on synthetic
// EIGER2 4M / 16M hit frames and on real thaumatin PILATUS 6M frames; in the same run
// dials.find_spots on the same frames (written as miniCBF), per-frame cost beyond start-up
// ((t_N - t_1) / (N - 1), nproc=1), as the reference.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from './report.js';
import type { DetectorGeometry } from '../src/stages/geometry/DetectorGeometry.js';
import { DispersionSpotFinder } from '../src/stages/analysis/DispersionSpotFinder.js';
import { Peakfinder8 } from '../src/stages/analysis/Peakfinder8.js';
import { PerImageStatistics } from '../src/stages/analysis/PerImageStatistics.js';
import { SpotSeparation } from '../src/stages/analysis/SpotSeparation.js';
import { defaultGeometry } from '../src/simulator/BackgroundModel.js';
import { detectorModel, type DetectorName } from '../src/simulator/DetectorModel.js';
import { DEFAULT_SYNTH_OPTIONS, synthesizeFrame } from '../src/simulator/FrameSynth.js';
import { cbfGeometry, detectorModules, moduleMask, readCbf, sharedDataDir } from '../test/helpers/cbf.js';
import { modelValidMask } from '../test/spots-helpers.js';

type Pixels = Uint16Array | Uint32Array | Int32Array;

interface Case {
  label: string;
  geometry: DetectorGeometry;
  mask: Uint8Array;
  frames: Pixels[];
  trustedHi: number;
  asics: ReturnType<typeof detectorModules>;
  /** CBF files for dials.find_spots */
  cbf: string[];
}

/** Best-of-rounds mean time per frame of fn over the frames (ms). */
function timePerFrame(frames: Pixels[], fn: (p: Pixels) => void, rounds = 3): number {
  for (const f of frames) fn(f); // warm-up: buffers reach their steady size
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const f of frames) fn(f);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6 / frames.length);
  }
  return best;
}

/** miniCBF with byte-offset compression, as dxtbx reads it (PILATUS_1.2 header, EIGER detector line). */
function writeCbf(path: string, px: Pixels, width: number, height: number, g: DetectorGeometry, cutoff: number): void {
  const bytes: number[] = [];
  let prev = 0;
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    const d = v - prev;
    prev = v;
    if (d >= -127 && d <= 127) bytes.push(d & 0xff);
    else if (d >= -32767 && d <= 32767) bytes.push(0x80, d & 0xff, (d >> 8) & 0xff);
    else bytes.push(0x80, 0x00, 0x80, d & 0xff, (d >> 8) & 0xff, (d >> 16) & 0xff, (d >>> 24) & 0xff);
  }
  const data = Buffer.from(bytes);
  const header = [
    '###CBF: VERSION 1.5, CBFlib v0.7.8 - Eiger detectors',
    '',
    'data_bench',
    '',
    '_array_data.header_convention "PILATUS_1.2"',
    '_array_data.header_contents',
    ';',
    '# Detector: EIGER2 XE 16M, S/N 000-0000 bench',
    '# 2026-01-01T00:00:00.000',
    `# Pixel_size ${g.pixelSizeX}e+0 m x ${g.pixelSizeY}e+0 m`,
    '# Silicon sensor, thickness 0.000450 m',
    '# Exposure_time 0.01 s',
    '# Exposure_period 0.01 s',
    `# Count_cutoff ${cutoff} counts`,
    `# Wavelength ${g.wavelength} A`,
    `# Detector_distance ${g.distance} m`,
    `# Beam_xy (${g.beamCenterX}, ${g.beamCenterY}) pixels`,
    '# Start_angle 0.0000 deg.',
    '# Angle_increment 0.0000 deg.',
    '# Phi 0.0000 deg.',
    '# Phi_increment 0.0000 deg.',
    '# Oscillation_axis X.CW',
    '# N_oscillations 1',
    ';',
    '',
    '_array_data.data',
    ';',
    '--CIF-BINARY-FORMAT-SECTION--',
    'Content-Type: application/octet-stream;',
    '     conversions="x-CBF_BYTE_OFFSET"',
    'Content-Transfer-Encoding: BINARY',
    `X-Binary-Size: ${data.length}`,
    'X-Binary-ID: 1',
    'X-Binary-Element-Type: "signed 32-bit integer"',
    'X-Binary-Element-Byte-Order: LITTLE_ENDIAN',
    `X-Binary-Number-of-Elements: ${width * height}`,
    `X-Binary-Size-Fastest-Dimension: ${width}`,
    `X-Binary-Size-Second-Dimension: ${height}`,
    'X-Binary-Size-Padding: 4095',
    '',
    '',
  ].join('\r\n');
  const tail = Buffer.concat([Buffer.alloc(4095), Buffer.from('\r\n--CIF-BINARY-FORMAT-SECTION----\r\n;\r\n\r\n')]);
  writeFileSync(
    path,
    Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from([0x0c, 0x1a, 0x04, 0xd5]), data, tail]),
  );
}

/** dials.find_spots per-frame seconds beyond start-up, or null when DIALS is missing or fails. */
export function dialsPerFrame(files: string[], work: string): number | null {
  if (spawnSync('dials.find_spots', ['--help'], { stdio: 'ignore' }).status !== 0 || files.length < 2) return null;
  const run = (list: string[], tag: string): number | null => {
    const imp = spawnSync('dials.import', [...list, `output.experiments=${tag}.expt`], { cwd: work, encoding: 'utf8' });
    if (imp.status !== 0) return null;
    const t0 = process.hrtime.bigint();
    const fs = spawnSync(
      'dials.find_spots',
      [`${tag}.expt`, 'nproc=1', `output.reflections=${tag}.refl`, `output.log=${tag}.log`],
      { cwd: work, encoding: 'utf8' },
    );
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    return fs.status === 0 ? t : null;
  };
  const tAll = run(files, 'all'),
    tOne = run(files.slice(0, 1), 'one');
  if (tAll === null || tOne === null) return null;
  return (tAll - tOne) / (files.length - 1);
}

export function syntheticCase(name: DetectorName, label: string, nFrames: number, work: string): Case {
  const model = detectorModel(name);
  const geometry = defaultGeometry(model);
  const pm = model.pixelMask();
  const mask = modelValidMask(model);
  const frames: Pixels[] = [];
  const cbf: string[] = [];
  const sat = model.saturationValue('uint16');
  for (let f = 0; f < nFrames; f++) {
    // hit frames with a few hundred spots (about one strong pixel in 1000)
    const { pixels } = synthesizeFrame(
      model,
      { ...DEFAULT_SYNTH_OPTIONS, hitFraction: 1, spotsPerHit: [200, 400] },
      f,
      2024,
    );
    frames.push(pixels);
    const path = join(work, `${label.replace(/\W+/g, '_')}_${f}.cbf`);
    // gaps as -1 for DIALS (the CBF convention), values above the cutoff flagged by it
    const signed = new Int32Array(pixels.length);
    for (let i = 0; i < pixels.length; i++) signed[i] = pm[i] !== 0 ? -1 : pixels[i]!;
    writeCbf(path, signed, model.width, model.height, geometry, sat + 1);
    cbf.push(path);
  }
  return { label, geometry, mask, frames, trustedHi: sat + 1, asics: detectorModules(model.width, model.height), cbf };
}

function thaumatinCase(work: string, nFrames: number): Case | null {
  const data = sharedDataDir();
  if (!data) return null;
  const files = Array.from({ length: nFrames }, (_, i) =>
    join(data, 'dials_data_files', `thau_3_2_${String(i + 2).padStart(4, '0')}.cbf.bz2`),
  );
  if (!files.every(existsSync)) return null;
  const frames: Pixels[] = [];
  const cbf: string[] = [];
  let first: ReturnType<typeof readCbf> | undefined;
  for (const f of files) {
    const c = readCbf(f);
    first ??= c;
    frames.push(c.pixels);
    const out = join(
      work,
      f
        .split('/')
        .pop()!
        .replace(/\.bz2$/, ''),
    );
    spawnSync('sh', ['-c', `bzip2 -dc "${f}" > "${out}"`]);
    cbf.push(out);
  }
  const h = first!;
  const geometry = cbfGeometry(h);
  return {
    label: 'thaumatin PILATUS3 6M',
    geometry,
    mask: moduleMask(h.width, h.height),
    frames,
    trustedHi: h.countCutoff,
    asics: detectorModules(h.width, h.height),
    cbf,
  };
}

async function benchCase(report: BenchReport, c: Case, work: string, targets: boolean): Promise<void> {
  const { width, height } = c.geometry;
  const mpix = (width * height) / 1e6;
  const dialsS = dialsPerFrame(c.cbf, work);
  const dialsRef =
    dialsS === null
      ? undefined
      : { name: 'dials.find_spots per frame (nproc=1, beyond start-up)', value: dialsS * 1000 };
  const note = `${width}x${height} (${mpix.toFixed(1)} Mpx), ${c.frames.length} frames${dialsS === null ? '; dials.find_spots not available' : ''}`;

  const ext = new DispersionSpotFinder(width, height, c.mask, { trustedRange: [-1, c.trustedHi] });
  const classic = new DispersionSpotFinder(width, height, c.mask, {
    algorithm: 'dispersion',
    trustedRange: [-1, c.trustedHi],
  });
  const pf8 = new Peakfinder8(c.geometry, c.mask, {
    adcThreshold: 5,
    minSnr: 5,
    asics: c.asics,
    trustedRange: [-1, c.trustedHi],
  });
  const stats = new PerImageStatistics(c.geometry);
  const sep = new SpotSeparation(c.mask.reduce((a, b) => a + b, 0));
  let spotsFound = 0;
  const tExt = timePerFrame(c.frames, (p) => {
    spotsFound = ext.find(p).nSpots;
  });
  const tClassic = timePerFrame(c.frames, (p) => classic.find(p));
  pf8.setFast(false);
  const tPfFull = timePerFrame(c.frames, (p) => pf8.find(p), 2);
  pf8.setFast(true);
  const tPfFast = timePerFrame(c.frames, (p) => pf8.find(p));
  const r = ext.find(c.frames[0]!);
  const tStats = timePerFrame(
    [c.frames[0]!],
    () => {
      stats.compute(r.spots, r);
      sep.analyse(r.spots, r.saturatedPixels);
    },
    20,
  );

  const t4 = targets && c.label.includes('4M');
  report.add({
    name: `dispersion_extended (DIALS default) ${c.label}`,
    value: tExt,
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: dialsRef,
    target: t4 ? '<= 15 ms per 4M frame per core' : undefined,
    note: `${note}; ${spotsFound} spots on the last frame`,
  });
  report.add({
    name: `dispersion (classic) ${c.label}`,
    value: tClassic,
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: dialsRef,
    target: t4 ? '<= 15 ms per 4M frame per core' : undefined,
    note,
  });
  report.add({
    name: `peakfinder8 full ${c.label}`,
    value: tPfFull,
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: dialsRef,
    note,
  });
  report.add({
    name: `peakfinder8 fast ${c.label}`,
    value: tPfFast,
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: dialsRef,
    target: t4 ? '<= 10 ms per 4M frame per core' : undefined,
    note,
  });
  report.add({
    name: `per-image statistics + separation ${c.label}`,
    value: tStats,
    unit: 'ms/frame',
    higherIsBetter: false,
    note: `${r.nSpots} spots`,
  });
}

export default async function (report: BenchReport): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'spots-bench-'));
  try {
    await benchCase(report, syntheticCase('eiger2-4m', 'EIGER2 4M synthetic', 4, work), work, true);
    await benchCase(report, syntheticCase('eiger2-16m', 'EIGER2 16M synthetic', 3, work), work, false);
    const thau = thaumatinCase(work, 4);
    if (thau) await benchCase(report, thau, work, false);
    else process.stdout.write('spots: thaumatin frames missing, skipped\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
