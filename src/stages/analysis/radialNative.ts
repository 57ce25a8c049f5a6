// The codes and vectors the native radial-profile and mask kernels take (native/src/radial_kernel.h,
// native/src/mask_kernel.h): unit codes and the packing of a geometry. The functions themselves
// are nativeAddon()'s (src/native/addon.ts).
import type { RadialPixels } from '../../native/addon.js';
import type { DetectorGeometry } from '../geometry/DetectorGeometry.js';

export type { RadialPixels };

/** Radial unit codes shared with radial_kernel.h. */
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

/** The geometry vector of radial_geometry.h: size, PONI (m), pixel sizes (m), distance (m), wavelength (m), rotations. */
/** Layout of the geometry vector (radial_geometry.h, enum SP_GEOM_*). */
export const GeometryField = {
  width: 0,
  height: 1,
  poni1: 2,
  poni2: 3,
  pixel1: 4,
  pixel2: 5,
  distance: 6,
  wavelength: 7,
  rot1: 8,
  rot2: 9,
  rot3: 10,
  count: 11,
} as const;

export function geometryVector(g: DetectorGeometry, rotations?: PoniRotations): Float64Array {
  const v = new Float64Array(GeometryField.count);
  v[GeometryField.width] = g.width;
  v[GeometryField.height] = g.height;
  v[GeometryField.poni1] = g.beamCenterY * g.pixelSizeY; // m, along the slow axis
  v[GeometryField.poni2] = g.beamCenterX * g.pixelSizeX;
  v[GeometryField.pixel1] = g.pixelSizeY;
  v[GeometryField.pixel2] = g.pixelSizeX;
  v[GeometryField.distance] = g.distance;
  v[GeometryField.wavelength] = g.wavelength * 1e-10; // angstrom -> m
  v[GeometryField.rot1] = rotations?.rot1 ?? 0;
  v[GeometryField.rot2] = rotations?.rot2 ?? 0;
  v[GeometryField.rot3] = rotations?.rot3 ?? 0;
  return v;
}

export function rotationsKey(rotations?: PoniRotations): string {
  return rotations ? `${rotations.rot1}:${rotations.rot2}:${rotations.rot3}` : '0:0:0';
}
