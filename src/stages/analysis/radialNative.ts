// Typed access to the native radial-profile and mask kernels (native/src/radial_profile.c,
// native/src/mask_build.c), and the packing of a geometry into the vector they take.
import { nativeAddon } from '../../native/addon.js';
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';

/** Pixel arrays the per-frame kernel reads. */
export type RadialPixels = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array;

/** Dtype codes shared with radial_profile.c. */
export const enum PixelTypeCode {
  U8 = 0,
  U16 = 1,
  U32 = 2,
  I32 = 3,
  F32 = 4,
}

/** Radial unit codes shared with radial_profile.c. */
export const enum RadialUnitCode {
  Q = 0,
  TwoTheta = 1,
  D = 2,
}

/**
 * Detector tilt as pyFAI's rot1/rot2/rot3 (radians). With a tilt, the geometry's beam centre is read
 * as the PONI (point of normal incidence), as in a .poni file. EIGER geometries have none.
 */
export interface PoniRotations {
  rot1: number;
  rot2: number;
  rot3: number;
}

interface RadialAddon {
  radialBuildTable(
    geometry: Float64Array,
    unit: number,
    edges: Float64Array,
    valid: Uint8Array,
    table: Uint16Array,
    staticCount: Uint32Array,
    corrections: Float64Array,
    factor: Float32Array,
    staticNorm: Float64Array,
  ): void;
  radialAccumulate(
    pixels: RadialPixels,
    dtype: number,
    table: Uint16Array,
    nbins: number,
    limit: number,
    scratch: Float64Array,
    staticCount: Uint32Array,
    staticNorm: Float64Array,
    factor: Float32Array,
    mean: Float64Array,
    count: Uint32Array,
  ): number;
  radialScratchLength(nbins: number): number;
  maskApplyDetector(detectorMask: Uint32Array, valid: Uint8Array): number;
  maskApplyResolution(geometry: Float64Array, dMin: number, dMax: number, valid: Uint8Array): number;
}

export function radialAddon(): RadialAddon {
  return nativeAddon() as unknown as RadialAddon;
}

/** The geometry vector of radial_geometry.h: size, PONI (m), pixel sizes (m), distance (m), wavelength (m), rotations. */
export function geometryVector(g: DetectorGeometry, rotations?: PoniRotations): Float64Array {
  return Float64Array.from([
    g.width,
    g.height,
    g.beamCenterY * g.pixelSizeY,
    g.beamCenterX * g.pixelSizeX,
    g.pixelSizeY,
    g.pixelSizeX,
    g.distance,
    g.wavelength * 1e-10,
    rotations?.rot1 ?? 0,
    rotations?.rot2 ?? 0,
    rotations?.rot3 ?? 0,
  ]);
}

export function rotationsKey(rotations?: PoniRotations): string {
  return rotations ? `${rotations.rot1}:${rotations.rot2}:${rotations.rot3}` : '0:0:0';
}

export function pixelTypeCode(pixels: RadialPixels): PixelTypeCode {
  if (pixels instanceof Uint8Array) return PixelTypeCode.U8;
  if (pixels instanceof Uint16Array) return PixelTypeCode.U16;
  if (pixels instanceof Uint32Array) return PixelTypeCode.U32;
  if (pixels instanceof Int32Array) return PixelTypeCode.I32;
  return PixelTypeCode.F32;
}
