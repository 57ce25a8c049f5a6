// The radial profile (azimuthal average) of one frame: one native pass over the decoded pixels
// with the per-geometry bin table, into arrays the caller reuses from frame to frame.
//
// mean[b] is the average of the valid pixels of bin b (NaN when it has none); with corrections it
// is Sum(counts) / Sum(solid angle x polarisation), pyFAI's integrate1d convention. Invalid pixels
// (all-ones, negative int32, NaN, above saturation) are skipped for this frame only.
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import { PixelMaskCache, validLimit, type MaskSource, type StaticMask } from './PixelMask.js';
import { RadialTableCache, type RadialBinSpec, type RadialCorrections, type RadialTables } from './RadialBins.js';
import { nativeAddon } from '../../native/addon.js';
import type { RadialPixels, PoniRotations } from './radialNative.js';
import type { UserMaskConfig } from './UserMask.js';

export interface RadialProfileResult {
  /** Bin centres in the bin unit (shared with the tables; do not modify). */
  readonly centres: Float64Array;
  readonly mean: Float64Array;
  readonly count: Uint32Array;
  /** Pixels skipped this frame (masked ones included). */
  excluded: number;
}

export class RadialProfile {
  private readonly scratch: Float64Array;

  /** @param limit largest valid count (see validLimit); larger values are skipped per frame. */
  constructor(
    readonly tables: RadialTables,
    readonly limit: number,
  ) {
    if (Number.isNaN(limit)) throw new Error('radial profile: limit must be a number');
    this.scratch = new Float64Array(nativeAddon().radialScratchLength(tables.spec.count));
  }

  /** A result holder sized for these bins, to be reused for every frame. */
  createResult(): RadialProfileResult {
    const n = this.tables.spec.count;
    return { centres: this.tables.edges.centres, mean: new Float64Array(n), count: new Uint32Array(n), excluded: 0 };
  }

  /** Integrates one frame into `out` (no allocation). */
  integrate(pixels: RadialPixels, out: RadialProfileResult): RadialProfileResult {
    const t = this.tables;
    if (pixels.length !== t.table.length) {
      throw new Error(`radial profile: frame has ${pixels.length} pixels, the geometry ${t.table.length}`);
    }
    if (out.mean.length !== t.spec.count || out.count.length !== t.spec.count) {
      throw new Error(`radial profile: result arrays must hold ${t.spec.count} bins`);
    }
    const limit = Math.min(this.limit, Number.MAX_VALUE);
    out.excluded = nativeAddon().radialAccumulate(
      pixels,
      t.table,
      t.spec.count,
      limit,
      this.scratch,
      t.staticCount,
      t.staticNorm,
      t.factor,
      out.mean,
      out.count,
    );
    return out;
  }
}

export interface RadialProfilerOptions {
  bins: RadialBinSpec;
  corrections?: RadialCorrections;
  userMask?: UserMaskConfig;
  rotations?: PoniRotations;
}

/**
 * Ties the caches together for a stream: the static mask and bin tables are built when the
 * geometry, mask or options change, never per frame.
 */
export class RadialProfiler {
  readonly masks = new PixelMaskCache();
  readonly tables = new RadialTableCache();
  private current: { key: string; profile: RadialProfile; mask: StaticMask } | null = null;

  constructor(private readonly options: RadialProfilerOptions) {}

  /** The profile for this series; cheap when nothing changed since the last call. */
  profileFor(geometry: DetectorGeometry, source: MaskSource): RadialProfile {
    const o = this.options;
    const mask = this.masks.get(geometry, source, o.userMask, o.rotations);
    const tables = this.tables.get(geometry, mask, o.bins, o.corrections, o.rotations);
    const limit = validLimit(source.dtype, source.saturationValue);
    const key = `${tables.key}|${limit}`;
    if (this.current?.key !== key) this.current = { key, profile: new RadialProfile(tables, limit), mask };
    return this.current.profile;
  }
}
