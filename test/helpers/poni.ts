// Reads a pyFAI .poni calibration (version 1 "Key: value" lines or version 2 with a Detector_config
// JSON) and converts it to our geometry. With rotations, the beam centre fields of the geometry hold
// the PONI and the rotations go with it (see PoniRotations in radialNative.ts).
import { readFileSync } from 'node:fs';
import { DetectorGeometry } from '../../src/stages/geometry/DetectorGeometry.js';
import type { PoniRotations } from '../../src/stages/analysis/radialNative.js';

export interface Poni {
  pixelSize1: number;
  pixelSize2: number;
  distance: number;
  poni1: number;
  poni2: number;
  rot1: number;
  rot2: number;
  rot3: number;
  /** metres */
  wavelength: number;
}

export function parsePoni(text: string, what = 'poni'): Poni {
  const kv = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    const at = line.indexOf(':');
    if (at > 0) kv.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }
  const num = (key: string, dflt?: number): number => {
    const raw = kv.get(key.toLowerCase());
    if (raw === undefined) {
      if (dflt !== undefined) return dflt;
      throw new Error(`${what}: missing ${key}`);
    }
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new Error(`${what}: ${key} is not a number: ${raw}`);
    return v;
  };
  let pixel1: number | undefined;
  let pixel2: number | undefined;
  const config = kv.get('detector_config');
  if (config) {
    const c = JSON.parse(config) as { pixel1?: number; pixel2?: number };
    pixel1 = c.pixel1;
    pixel2 = c.pixel2;
  }
  return {
    pixelSize1: pixel1 ?? num('PixelSize1'),
    pixelSize2: pixel2 ?? num('PixelSize2'),
    distance: num('Distance'),
    poni1: num('Poni1'),
    poni2: num('Poni2'),
    rot1: num('Rot1', 0),
    rot2: num('Rot2', 0),
    rot3: num('Rot3', 0),
    wavelength: num('Wavelength'),
  };
}

export function readPoni(path: string): Poni {
  return parsePoni(readFileSync(path, 'utf8'), path);
}

/** Our geometry (PONI as beam centre, in pixels) plus the rotations, for a detector of this size. */
export function poniToGeometry(
  p: Poni,
  width: number,
  height: number,
): { geometry: DetectorGeometry; rotations: PoniRotations } {
  const geometry = new DetectorGeometry({
    width,
    height,
    beamCenterX: p.poni2 / p.pixelSize2,
    beamCenterY: p.poni1 / p.pixelSize1,
    distance: p.distance,
    wavelength: p.wavelength * 1e10,
    pixelSizeX: p.pixelSize2,
    pixelSizeY: p.pixelSize1,
  });
  return { geometry, rotations: { rot1: p.rot1, rot2: p.rot2, rot3: p.rot3 } };
}
