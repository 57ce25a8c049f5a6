// The per-frame analysis a worker runs: radial profile, spot finding (the path's algorithm),
// per-image statistics after DIALS and red flags. Everything that depends only on the series
// (geometry, masks, bin tables, spot-finder state) is built once, in the constructor;
// analyse() then runs per frame into reused buffers.
//
// A series without a usable geometry (e.g. V1 header_detail "none") is still searched for
// spots, on a nominal geometry; what needs the real one (radial profile, d_min, ice rings,
// 4 A counts) is then left out and the frame carries the flag "no-geometry".
import type { PixelArray } from '../../codec/FrameDecoder.js';
import { eigerGeometry, type DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { validLimit, type MaskSource, type StaticMask } from '../analysis/PixelMask.js';
import { RadialProfiler, type RadialProfile, type RadialProfileResult } from '../analysis/RadialProfile.js';
import { IceRingFlag } from '../analysis/IceRingFlag.js';
import { createSpotFinder, type SpotFinder } from '../analysis/SpotFinder.js';
import { PerImageStatistics } from '../analysis/PerImageStatistics.js';
import { SpotSeparation } from '../analysis/SpotSeparation.js';
import type { SpotPixels } from '../analysis/spotNative.js';
import type { SpotTable } from '../analysis/Spot.js';
import { radialBinSpec, radialCorrections, userMaskConfig } from '../analysis/analysisSettings.js';
import type { PoolPath } from '../pool/protocol.js';
import type { TaskHeader } from '../pool/Task.js';
import type { FrameFlag, FramePreview } from '../../sinks/records.js';
import { makeFramePreview } from '../analysis/FramePreview.js';
import { seriesGeometry } from '../geometry/seriesGeometry.js';
import type { Analyser, AnalysisOutput, ShapedSetup, WorkerSettings } from './Analyser.js';
import { detectorModules } from './detectorModules.js';

/** The ice-ring flag needs this many rings: one strong Bragg spot can lift a single thin bin. */
const MIN_ICE_RINGS = 2;

export class FrameAnalyser implements Analyser {
  private readonly radial: {
    profile: RadialProfile;
    result: RadialProfileResult;
    ice: IceRingFlag;
    /** The profile the ice check judges (spots taken out), reused per frame. */
    iceMean: Float64Array;
  } | null;
  private readonly finder: SpotFinder;
  limitation: string | null = null;
  private readonly stats: PerImageStatistics | null;
  private readonly separation: SpotSeparation;
  /** For previews: the static mask and the largest valid count. */
  private readonly valid: Uint8Array;
  private readonly validLimit: number;

  constructor(
    private readonly setup: ShapedSetup,
    detectorMask: Uint32Array | null,
    private readonly settings: WorkerSettings,
    path: PoolPath,
  ) {
    const analysis = settings.analysis;
    const source: MaskSource = {
      width: setup.width,
      height: setup.height,
      dtype: setup.dtype,
      saturationValue: setup.saturationValue,
      pixelMask: detectorMask && detectorMask.length === setup.width * setup.height ? detectorMask : null,
    };
    const user = userMaskConfig(analysis.mask);
    const shapesOnly = { rectangles: user.rectangles, circles: user.circles };
    const announced = seriesGeometry(setup);
    let geometry = announced.geometry;
    // Missing or implausible geometry is said once per series, with what was wrong.
    if (!geometry) this.limitation = announced.missing;
    let mask: StaticMask | undefined;
    this.radial = null;
    this.stats = null;
    if (geometry) {
      try {
        const profiler = new RadialProfiler({
          bins: radialBinSpec(analysis.radial),
          corrections: radialCorrections(analysis.radial),
          userMask: user,
        });
        mask = profiler.masks.get(geometry, source, user);
        const profile = profiler.profileFor(geometry, source);
        const spec = profile.tables.spec;
        this.radial = {
          profile,
          result: profile.createResult(),
          ice: new IceRingFlag(spec.unit, profile.tables.edges.centres, { wavelength: geometry.wavelength }),
          iceMean: new Float64Array(spec.count),
        };
        this.stats = new PerImageStatistics(geometry, { hitMinSpots: analysis.hit.min_spots });
      } catch (err) {
        // Values no tables can be made of (e.g. an absurd wavelength): treat as no geometry.
        this.limitation = `no radial profile or resolution: ${(err as Error).message}`;
        geometry = null;
        this.radial = null;
        this.stats = null;
      }
    }
    if (!geometry) {
      geometry = eigerGeometry(setup.width, setup.height, { distance: 0.1 }); // a stand-in (beam at the centre) for spot finding only
      mask = new RadialProfiler({ bins: { unit: 'q', count: 1 } }).masks.get(geometry, source, shapesOnly);
    }
    mask = mask!;
    this.valid = mask.valid;
    this.validLimit = validLimit(setup.dtype, setup.saturationValue);
    this.finder = this.makeFinder(path, geometry, mask.valid, this.validLimit);
    this.separation = new SpotSeparation(Math.max(1, mask.validCount));
  }

  analyse(pixels: PixelArray, task: TaskHeader): AnalysisOutput {
    if (task.width !== this.setup.width || task.height !== this.setup.height) {
      throw new Error(
        `frame is ${task.width}x${task.height} but series ${task.series} announced ${this.setup.width}x${this.setup.height}`,
      );
    }
    if (pixels instanceof Uint8Array) throw new Error('8-bit frames are not analysed by this version');
    const found = this.finder.find(pixels as SpotPixels);
    const table = found.spots;
    const spots: [number, number, number][] = new Array(table.count);
    for (let i = 0; i < table.count; i++)
      spots[i] = [round2(table.x(i)), round2(table.y(i)), Math.round(table.intensity(i))];
    const sep = this.separation.analyse(table, found.saturatedPixels);
    const flags: FrameFlag[] = [];
    if (sep.splitFlag) flags.push('multiple-lattices');
    if (sep.saturationFlag) flags.push('saturation');
    if (found.nSpots > table.count) flags.push('spot-list-truncated');
    const background = Number.isFinite(found.backgroundMean) ? round2(found.backgroundMean) : 0;
    const separation = Array.from(sep.histogram);
    if (!this.radial || !this.stats) {
      flags.push('no-geometry');
      return {
        n_spots: found.nSpots,
        n_spots_no_ice: found.nSpots,
        n_spots_4A: found.nSpots,
        hit: found.nSpots >= this.settings.analysis.hit.min_spots,
        d_min: null,
        total_intensity: Math.round(spots.reduce((a, s) => a + s[2], 0)),
        saturated_pixels: found.saturatedPixels,
        background,
        spots,
        radial: [],
        separation,
        flags,
      };
    }
    const stats = this.stats.compute(table, found);
    const r = this.radial.profile.integrate(pixels, this.radial.result);
    const ice = this.radial.ice.check(this.withoutSpots(r, table), r.count);
    if (ice.rings.filter((ring) => ring.flagged).length >= MIN_ICE_RINGS) flags.push('ice-rings');
    return {
      n_spots: stats.nSpotsTotal,
      n_spots_no_ice: stats.nSpotsNoIce,
      n_spots_4A: stats.nSpots4A,
      hit: stats.hit,
      d_min: stats.estimatedDMin === null ? null : round2(stats.estimatedDMin),
      total_intensity: Math.round(stats.totalIntensity),
      saturated_pixels: stats.saturatedPixels,
      background,
      spots,
      radial: Array.from(r.mean, (v) => (Number.isNaN(v) ? null : significant6(v))),
      separation,
      flags,
    };
  }

  /**
   * The radial profile with the spots' own intensity taken out. A strong Bragg spot lifts the
   * mean of the bin it falls in by its intensity over the bin's pixel count; a frame rich in
   * strong spots can lift two thin ring bins that way and pass for ice. Ice is a ring, in the
   * background: it stays when the spots are gone. Each spot (background-subtracted sum) is taken
   * from the bin of its centroid.
   */
  private withoutSpots(r: RadialProfileResult, spots: SpotTable): Float64Array {
    const { iceMean, profile } = this.radial!;
    iceMean.set(r.mean);
    const bins = profile.tables.table;
    const width = this.setup.width;
    for (let i = 0; i < spots.count; i++) {
      const bin = bins[Math.floor(spots.y(i)) * width + Math.floor(spots.x(i))];
      if (bin === undefined || bin >= iceMean.length || r.count[bin]! === 0) continue;
      iceMean[bin]! -= spots.intensity(i) / r.count[bin]!;
    }
    return iceMean;
  }

  preview(pixels: PixelArray): FramePreview {
    return makeFramePreview(pixels, this.setup.width, this.setup.height, this.valid, this.validLimit);
  }

  private makeFinder(path: PoolPath, geometry: DetectorGeometry, valid: Uint8Array, limit: number): SpotFinder {
    const kind = this.settings.spotFinder[path];
    const d = this.settings.analysis.dispersion;
    const p = this.settings.analysis.peakfinder8;
    // Trusted range is exclusive at both ends: counts above the saturation value are invalid.
    const trustedRange = [-1, limit + 1] as const;
    return createSpotFinder(kind, geometry, valid, {
      dispersion: {
        algorithm: d.algorithm,
        kernelSize: d.kernel_size,
        sigmaBackground: d.sigma_background,
        sigmaStrong: d.sigma_strong,
        minLocal: d.min_local,
        gain: d.gain,
        globalThreshold: d.global_threshold,
        minSpotSize: d.min_spot_size,
        maxSpotSize: d.max_spot_size,
        connectivity: d.connectivity,
        trustedRange,
      },
      peakfinder8: {
        adcThreshold: p.adc_threshold,
        minSnr: p.min_snr,
        minPixCount: p.min_pix_count,
        maxPixCount: p.max_pix_count,
        localBgRadius: p.local_bg_radius,
        minRes: p.min_res,
        maxRes: p.max_res > 0 ? p.max_res : 65535,
        maxNumPeaks: p.max_num_peaks,
        fast: path === 'fast' ? true : p.fast,
        trustedRange,
        asics: detectorModules(geometry.width, geometry.height),
      },
    });
  }
}

export function createFrameAnalyser(
  setup: ShapedSetup,
  mask: Uint32Array | null,
  settings: WorkerSettings,
  path: PoolPath,
): FrameAnalyser {
  return new FrameAnalyser(setup, mask, settings, path);
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** v to 6 significant digits, numerically (toPrecision would make a string per bin per frame). */
function significant6(v: number): number {
  if (v === 0 || !Number.isFinite(v)) return v;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(v))));
  return Math.round(v * scale) / scale;
}
