// The per-frame analysis a worker runs: radial profile, spot finding (the path's algorithm),
// per-image statistics and red flags. Everything that depends only on the series (geometry,
// masks, bin tables, spot-finder state) is built once, in the constructor; analyse() then
// runs per frame into reused buffers.
import type { PixelArray } from '../../codec/FrameDecoder.js';
import type { PipelineConfig } from '../../config/PipelineConfig.js';
import { validLimit, type MaskSource } from '../analysis/PixelMask.js';
import { RadialProfiler, type RadialProfile, type RadialProfileResult } from '../analysis/RadialProfile.js';
import { DispersionSpotFinder } from '../analysis/DispersionSpotFinder.js';
import type { SpotTable } from '../analysis/Spot.js';
import { radialBinSpec, radialCorrections, userMaskConfig } from '../analysisSettings.js';
import type { PoolPath, SeriesSetup } from '../pool/protocol.js';
import type { TaskHeader } from '../pool/Task.js';
import { seriesGeometry } from '../seriesGeometry.js';
import type { Analyser, AnalysisOutput } from './Analyser.js';

type Analysis = PipelineConfig['analysis'];

interface SpotSearch {
  find(pixels: PixelArray): { spots: SpotTable; nSpots: number; saturatedPixels: number; backgroundMean: number };
}

export class FrameAnalyser implements Analyser {
  private readonly radial: { profile: RadialProfile; result: RadialProfileResult } | null;
  private readonly spots: SpotSearch;

  constructor(
    private readonly setup: SeriesSetup,
    detectorMask: Uint32Array | null,
    private readonly analysis: Analysis,
    path: PoolPath,
  ) {
    const source: MaskSource = {
      width: setup.width, height: setup.height, dtype: setup.dtype, saturationValue: setup.saturationValue,
      pixelMask: detectorMask && detectorMask.length === setup.width * setup.height ? detectorMask : null,
    };
    const g = seriesGeometry(setup);
    const user = userMaskConfig(analysis.mask);
    let radial: FrameAnalyser['radial'] = null;
    let valid: Uint8Array;
    if (g.geometry) {
      const profiler = new RadialProfiler({ bins: radialBinSpec(analysis.radial), corrections: radialCorrections(analysis.radial), userMask: user });
      const profile = profiler.profileFor(g.geometry, source);
      radial = { profile, result: profile.createResult() };
      valid = profiler.masks.get(g.geometry, source, user).valid;
    } else {
      valid = detectorBitsOnly(source);
    }
    this.radial = radial;
    const limit = validLimit(setup.dtype, setup.saturationValue);
    const algorithm = path === 'fast' ? 'fast' : 'good';
    const d = analysis.dispersion;
    const finder = new DispersionSpotFinder(setup.width, setup.height, valid, {
      kernelSize: d.kernel_size, sigmaBackground: d.sigma_background, sigmaStrong: d.sigma_strong, minLocal: d.min_local,
      gain: d.gain, globalThreshold: d.global_threshold, minSpotSize: d.min_spot_size, maxSpotSize: d.max_spot_size,
      trustedRange: [-1, limit + 1],
    });
    void algorithm;
    this.spots = { find: (pixels) => finder.find(pixels as Uint16Array | Uint32Array) };
  }

  analyse(pixels: PixelArray, task: TaskHeader): AnalysisOutput {
    if (task.width !== this.setup.width || task.height !== this.setup.height) {
      throw new Error(`frame is ${task.width}x${task.height} but series ${task.series} announced ${this.setup.width}x${this.setup.height}`);
    }
    const found = this.spots.find(pixels);
    const spots: [number, number, number][] = [];
    for (let i = 0; i < found.spots.count; i++) {
      spots.push([round2(found.spots.x(i)), round2(found.spots.y(i)), Math.round(found.spots.intensity(i))]);
    }
    let radial: (number | null)[] = [];
    if (this.radial) {
      const r = this.radial.profile.integrate(pixels, this.radial.result);
      radial = Array.from(r.mean, (v) => (Number.isNaN(v) ? null : Number(v.toPrecision(6))));
    }
    return {
      n_spots: found.nSpots,
      n_spots_no_ice: found.nSpots,
      n_spots_4A: found.nSpots,
      hit: found.nSpots >= this.analysis.hit.min_spots,
      d_min: null,
      total_intensity: spots.reduce((a, s) => a + s[2], 0),
      saturated_pixels: found.saturatedPixels,
      background: Number.isNaN(found.backgroundMean) ? 0 : round2(found.backgroundMean),
      spots,
      radial,
      separation: [],
      flags: [],
    };
  }
}

export function createFrameAnalyser(setup: SeriesSetup, mask: Uint32Array | null, analysis: Analysis, path: PoolPath): FrameAnalyser {
  return new FrameAnalyser(setup, mask, analysis, path);
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Without a geometry only the detector's own mask bits can exclude pixels (no resolution limits). */
function detectorBitsOnly(source: MaskSource): Uint8Array {
  const valid = new Uint8Array(source.width * source.height).fill(1);
  const m = source.pixelMask;
  if (m) for (let i = 0; i < valid.length; i++) if (m[i]! & 0xffff) valid[i] = 0;
  return valid;
}
