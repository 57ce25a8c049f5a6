// The two analysis paths as a worker runs them, per frame per core, from compressed bytes to
// a result: decode (bitshuffle/LZ4) + radial profile + spot finding + statistics and flags.
//   live (fast) path: peakfinder8 in fast mode;  full (good) path: dispersion_extended.
// Reference in the same run: dials.find_spots on the same frames (per-frame cost beyond
// start-up, nproc=1), which does only the spot finding.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from './report.js';
import { dialsPerFrame, syntheticCase } from './spots.bench.js';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import { encodePixels } from '../src/codec/FrameEncoder.js';
import { v2Encoding } from '../src/codec/encodings.js';
import { parseConfig } from '../src/config/loadConfig.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import type { ShapedSetup } from '../src/stages/worker/Analyser.js';
import type { TaskHeader } from '../src/stages/pool/Task.js';
import { FrameAnalyser } from '../src/stages/worker/FrameAnalyser.js';

const FRAMES = 6;

export default async function (report: BenchReport): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'sp-paths-bench-'));
  try {
    const c = syntheticCase('eiger2-4m', 'EIGER2 4M synthetic', FRAMES, work);
    const model = detectorModel('eiger2-4m');
    const encoding = v2Encoding('bslz4', 2);
    const blobs = c.frames.map((f) => encodePixels(f as Uint16Array, encoding));
    const setup = {
      series: 1,
      width: model.width,
      height: model.height,
      dtype: 'uint16',
      beamCenterX: model.beamCenterX,
      beamCenterY: model.beamCenterY,
      detectorDistance: model.distance,
      wavelength: model.wavelength,
      pixelSizeX: model.pixelSizeX,
      pixelSizeY: model.pixelSizeY,
      saturationValue: model.saturationValue('uint16'),
      channels: ['threshold_1'],
      maskChannel: 'threshold_1',
    } as unknown as ShapedSetup;
    const config = parseConfig('');
    const settings = { analysis: config.analysis, spotFinder: { fast: 'peakfinder8', good: 'dispersion' } as const };
    const mask = model.pixelMask();
    const decoder = new FrameDecoder();
    const header = (frame: number): TaskHeader => ({
      id: frame,
      run: 1,
      series: 1,
      frame,
      channel: 'threshold_1',
      width: model.width,
      height: model.height,
      dtype: 'uint16',
      encoding,
      receivedAt: 0,
    });
    const time = (analyser: FrameAnalyser | null): number => {
      const run = () =>
        blobs.forEach((b, i) => {
          const px = decoder.decode(b, encoding, model.width, model.height, 'uint16');
          analyser?.analyse(px, header(i));
        });
      run(); // warm-up: tables and buffers reach their steady size
      let best = Infinity;
      for (let r = 0; r < 6; r++) {
        const t0 = process.hrtime.bigint();
        run();
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6 / blobs.length);
      }
      return best;
    };
    const decodeOnly = time(null);
    const fast = time(new FrameAnalyser(setup, mask, settings, 'fast'));
    const good = time(new FrameAnalyser(setup, mask, settings, 'good'));
    const dials = dialsPerFrame(c.cbf, work);
    const reference =
      dials === null
        ? undefined
        : { name: 'dials.find_spots per frame (nproc=1, beyond start-up)', value: dials * 1000 };
    const note = `${model.width}x${model.height} uint16 bslz4, ${FRAMES} hit frames; decode alone ${decodeOnly.toFixed(2)} ms`;
    report.add({
      name: 'live path total (decode + radial + peakfinder8 fast + statistics) EIGER2 4M',
      value: fast,
      unit: 'ms/frame',
      higherIsBetter: false,
      reference,
      target: '<= 15 ms (>= 60 frames/s per core)',
      note,
    });
    report.add({
      name: 'full path total (decode + radial + dispersion_extended + statistics) EIGER2 4M',
      value: good,
      unit: 'ms/frame',
      higherIsBetter: false,
      reference,
      target: '<= 30 ms and >= 5x dials.find_spots',
      note,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
