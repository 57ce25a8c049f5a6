// The radial bin layout and the per-geometry tables of the radial profile: for every pixel its
// bin (uint16; the sentinel `count` marks masked and out-of-range pixels), the static per-bin pixel
// count, and, when corrections are on, the per-pixel correction factor and its per-bin sum.
//
// Bin edges follow pyFAI 0.21's histogram engine so that a profile binned here equals pyFAI's
// integrate1d(..., radial_range=(min, max), npt=count, method=("no", "histogram", "cython")):
// the edges live in pyFAI's internal unit (q in 1/nm, 2theta in radians; d in angstrom), the upper
// edge is max * (1 + 2^-23) so a pixel exactly at max is counted, and bin = floor((x - min) / delta).
// One deliberate difference: pyFAI 0.21 also puts pixels up to one bin width *below* min into the
// first bin (it truncates instead of flooring); here they are out of range.
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';
import type { StaticMask } from './PixelMask.js';
import { LruCache } from '../../util/LruCache.js';
import { nativeAddon } from '../../native/addon.js';
import { geometryVector, RadialUnitCode, rotationsKey, type PoniRotations } from './radialNative.js';

export type RadialUnit = 'q' | '2theta' | 'd';

export interface RadialBinSpec {
  /** q in 1/angstrom, 2theta in degrees, d in angstrom. */
  unit: RadialUnit;
  count: number;
  /** Range of the bins in the unit. For q and 2theta it defaults to [0, value at the farthest corner]. */
  min?: number;
  max?: number;
}

export interface RadialCorrections {
  /** Divide by the solid angle relative to the PONI, cos^3 of the incidence angle (pyFAI's correctSolidAngle). */
  solidAngle?: boolean;
  /** Divide by pyFAI's polarisation factor with this f (-1..1; 0.99 typical), or null/undefined for none. */
  polarizationFactor?: number | null;
}

/** Float32 machine epsilon: pyFAI widens the upper bound by this factor. */
const EPS32 = 1 + 2 ** -23;

const UNIT_CODE: Record<RadialUnit, RadialUnitCode> = {
  q: RadialUnitCode.Q,
  '2theta': RadialUnitCode.TwoTheta,
  d: RadialUnitCode.D,
};

/** Factor from the internal unit to the user's unit (pyFAI's unit.scale). */
const UNIT_SCALE: Record<RadialUnit, number> = { q: 0.1, '2theta': 180 / Math.PI, d: 1 };

export interface RadialEdges {
  /** Internal-unit lower edge, bin width and upper edge. */
  min0: number;
  delta: number;
  max0: number;
  /** Bin centres in the user's unit. */
  centres: Float64Array;
  /** count + 1 edges in the user's unit. */
  edges: Float64Array;
}

function unitValueAtCorner(geometry: DetectorGeometry, unit: RadialUnit, rotations?: PoniRotations): number {
  if (rotations && (rotations.rot1 || rotations.rot2 || rotations.rot3)) {
    throw new Error('radial bins: give an explicit min/max when the detector is tilted');
  }
  return geometry.maxAtCorners((x, y) =>
    unit === 'q' ? geometry.qAt(x, y) : (geometry.twoThetaAt(x, y) * 180) / Math.PI,
  );
}

/** Resolves the spec's range (defaults) and checks it; throws naming what is wrong. */
export function resolveBinSpec(
  spec: RadialBinSpec,
  geometry: DetectorGeometry,
  rotations?: PoniRotations,
): Required<RadialBinSpec> {
  if (!(spec.unit in UNIT_CODE)) throw new Error(`radial bins: unit must be q, 2theta or d, got ${String(spec.unit)}`);
  if (!Number.isInteger(spec.count) || spec.count < 1 || spec.count > 65535) {
    throw new Error(`radial bins: count must be an integer 1..65535, got ${spec.count}`);
  }
  if (spec.unit === 'd' && (spec.min === undefined || spec.max === undefined)) {
    throw new Error('radial bins: unit d needs an explicit min and max (angstrom)');
  }
  const min = spec.min ?? 0;
  const max = spec.max ?? unitValueAtCorner(geometry, spec.unit, rotations);
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) {
    throw new Error(`radial bins: need finite min < max, got [${min}, ${max}] ${spec.unit}`);
  }
  if (min < 0) throw new Error(`radial bins: min must be >= 0, got ${min} ${spec.unit}`);
  return { unit: spec.unit, count: spec.count, min, max };
}

/** Bin edges exactly as pyFAI's histogram engine computes them for radial_range=(min, max). */
export function radialEdges(spec: Required<RadialBinSpec>): RadialEdges {
  const scale = UNIT_SCALE[spec.unit];
  const min0 = spec.min / scale;
  const maxIn = spec.max / scale;
  const max0 = maxIn > 0 ? maxIn * EPS32 : maxIn / EPS32;
  const delta = (max0 - min0) / spec.count;
  const centres = new Float64Array(spec.count);
  const edges = new Float64Array(spec.count + 1);
  const first = min0 + 0.5 * delta;
  const step = spec.count > 1 ? (max0 - 0.5 * delta - first) / (spec.count - 1) : 0;
  for (let i = 0; i < spec.count; i++) centres[i] = (first + i * step) * scale;
  for (let i = 0; i <= spec.count; i++) edges[i] = (min0 + i * delta) * scale;
  return { min0, delta, max0, centres, edges };
}

export interface RadialTables {
  readonly key: string;
  readonly spec: Required<RadialBinSpec>;
  readonly edges: RadialEdges;
  readonly table: Uint16Array;
  readonly staticCount: Uint32Array;
  /** Empty when no correction is on. */
  readonly factor: Float32Array;
  readonly staticNorm: Float64Array;
  readonly corrected: boolean;
}

export function radialTablesKey(
  geometry: DetectorGeometry,
  mask: StaticMask | null,
  spec: Required<RadialBinSpec>,
  corrections: RadialCorrections,
  rotations?: PoniRotations,
): string {
  return [
    geometry.key(),
    rotationsKey(rotations),
    mask ? mask.id : 'nomask',
    spec.unit,
    spec.count,
    spec.min,
    spec.max,
    corrections.solidAngle ? 'sa' : '-',
    corrections.polarizationFactor ?? '-',
  ].join('|');
}

/** Builds the tables (native, one pass over the detector). */
export function buildRadialTables(
  geometry: DetectorGeometry,
  mask: StaticMask | null,
  binSpec: RadialBinSpec,
  corrections: RadialCorrections = {},
  rotations?: PoniRotations,
): RadialTables {
  const spec = resolveBinSpec(binSpec, geometry, rotations);
  const pol = corrections.polarizationFactor;
  if (pol !== undefined && pol !== null && !(Number.isFinite(pol) && pol >= -1 && pol <= 1)) {
    throw new Error(`radial bins: polarizationFactor must be within [-1, 1], got ${pol}`);
  }
  if (mask && (mask.width !== geometry.width || mask.height !== geometry.height)) {
    throw new Error(
      `radial bins: mask is ${mask.width} x ${mask.height}, geometry ${geometry.width} x ${geometry.height}`,
    );
  }
  const n = geometry.width * geometry.height;
  const corrected = Boolean(corrections.solidAngle) || (pol !== undefined && pol !== null);
  const edges = radialEdges(spec);
  const table = new Uint16Array(n);
  const staticCount = new Uint32Array(spec.count);
  const factor = new Float32Array(corrected ? n : 0);
  const staticNorm = new Float64Array(corrected ? spec.count : 0);
  nativeAddon().radialBuildTable(
    geometryVector(geometry, rotations),
    UNIT_CODE[spec.unit],
    Float64Array.from([edges.min0, edges.delta, spec.count]),
    mask ? mask.valid : new Uint8Array(0),
    table,
    staticCount,
    Float64Array.from([corrections.solidAngle ? 1 : 0, pol ?? NaN]),
    factor,
    staticNorm,
  );
  const key = radialTablesKey(geometry, mask, spec, corrections, rotations);
  return { key, spec, edges, table, staticCount, factor, staticNorm, corrected };
}

/** Keeps the radial tables of the last few geometries/layouts; `builds` counts the rebuilds. */
export class RadialTableCache extends LruCache<string, RadialTables> {
  constructor(capacity = 2) {
    super(capacity);
  }

  /** The tables buildRadialTables makes from these arguments, built only when not kept. */
  get(...args: Parameters<typeof buildRadialTables>): RadialTables {
    const [geometry, mask, binSpec, corrections = {}, rotations] = args;
    const spec = resolveBinSpec(binSpec, geometry, rotations);
    const key = radialTablesKey(geometry, mask, spec, corrections, rotations);
    return this.getOrMake(key, () => buildRadialTables(geometry, mask, spec, corrections, rotations));
  }
}
