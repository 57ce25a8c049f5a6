// Geometry of a flat detector normal to the beam (the EIGER case): maps a pixel position to
// scattering angle, q and d-spacing. Pixel convention as in DIALS and pyFAI: the centre of
// pixel (i, j) (fast, slow) is at (i + 0.5, j + 0.5) in pixel units; the beam centre is given
// in the same units.

export interface GeometryParams {
  width: number;
  height: number;
  /** Beam centre in pixels (fast, slow). */
  beamCenterX: number;
  beamCenterY: number;
  /** Sample-detector distance in metres. */
  distance: number;
  /** Wavelength in angstrom. */
  wavelength: number;
  /** Pixel size in metres (fast, slow). */
  pixelSizeX: number;
  pixelSizeY: number;
}

export class DetectorGeometry {
  readonly width: number;
  readonly height: number;
  readonly beamCenterX: number;
  readonly beamCenterY: number;
  readonly distance: number;
  readonly wavelength: number;
  readonly pixelSizeX: number;
  readonly pixelSizeY: number;

  constructor(p: GeometryParams) {
    for (const [key, value] of Object.entries(p)) {
      if (!Number.isFinite(value)) throw new Error(`geometry: ${key} must be a finite number, got ${String(value)}`);
    }
    if (p.width <= 0 || p.height <= 0) throw new Error('geometry: width and height must be positive');
    if (p.distance <= 0) throw new Error(`geometry: distance must be positive, got ${p.distance} m`);
    if (p.wavelength <= 0) throw new Error(`geometry: wavelength must be positive, got ${p.wavelength} A`);
    if (p.pixelSizeX <= 0 || p.pixelSizeY <= 0) throw new Error('geometry: pixel size must be positive');
    this.width = p.width;
    this.height = p.height;
    this.beamCenterX = p.beamCenterX;
    this.beamCenterY = p.beamCenterY;
    this.distance = p.distance;
    this.wavelength = p.wavelength;
    this.pixelSizeX = p.pixelSizeX;
    this.pixelSizeY = p.pixelSizeY;
  }

  /** Two-theta (radians) at a position given in pixel coordinates (x fast, y slow). */
  twoThetaAt(x: number, y: number): number {
    const dx = (x - this.beamCenterX) * this.pixelSizeX;
    const dy = (y - this.beamCenterY) * this.pixelSizeY;
    return Math.atan2(Math.hypot(dx, dy), this.distance);
  }

  /** Scattering vector magnitude q = 4 pi sin(theta) / lambda, in 1/angstrom. */
  qAt(x: number, y: number): number {
    return (4 * Math.PI * Math.sin(this.twoThetaAt(x, y) / 2)) / this.wavelength;
  }

  /** d*^2 = (2 sin(theta) / lambda)^2 in 1/angstrom^2, the unit of DIALS's ice-ring widths. */
  dStarSqAt(x: number, y: number): number {
    const s = (2 * Math.sin(this.twoThetaAt(x, y) / 2)) / this.wavelength;
    return s * s;
  }

  /** d-spacing in angstrom (Infinity at the beam centre). */
  dAt(x: number, y: number): number {
    const s = (2 * Math.sin(this.twoThetaAt(x, y) / 2)) / this.wavelength;
    return s > 0 ? 1 / s : Infinity;
  }

  /** Distance in pixels (x pixel size) from the beam centre at which the d-spacing is d
   * (Bragg: sin(theta) = lambda / 2d); null when d is below the wavelength's limit lambda / 2. */
  radiusAtD(d: number): number | null {
    const sinTheta = this.wavelength / (2 * d);
    if (!(sinTheta > 0 && sinTheta < 1)) return null;
    const twoTheta = 2 * Math.asin(sinTheta);
    return twoTheta < Math.PI / 2 ? (this.distance * Math.tan(twoTheta)) / this.pixelSizeX : null;
  }

  /** The largest value `f` takes at the detector's four corners (on a flat detector normal to
   * the beam, the angle from the beam is largest at one of them). */
  maxAtCorners(f: (x: number, y: number) => number): number {
    const [w, h] = [this.width, this.height];
    return Math.max(f(0, 0), f(w, 0), f(0, h), f(w, h));
  }

  /** Identity of a geometry, for caching tables that depend only on it. */
  key(): string {
    return [
      this.width,
      this.height,
      this.beamCenterX,
      this.beamCenterY,
      this.distance,
      this.wavelength,
      this.pixelSizeX,
      this.pixelSizeY,
    ].join(':');
  }
}

/** The pixel size of EIGER and EIGER2 sensors, 75 um square, in metres. */
export const EIGER_PIXEL_SIZE_M = 75e-6;

/** Where an EIGER sits: its distance, and the beam centre and wavelength unless the defaults. */
export interface EigerPlacement {
  /** Sample-detector distance in metres. */
  distance: number;
  /** Beam centre in pixels (fast, slow); the detector's centre when not given. */
  beamCenterX?: number;
  beamCenterY?: number;
  /** Wavelength in angstrom; 1 when not given. */
  wavelength?: number;
}

/**
 * A detector with EIGER's 75 um pixels: the stand-in geometry when a series gives none (beam at
 * the centre), and the one assumed for frames that carry none.
 */
export function eigerGeometry(width: number, height: number, at: EigerPlacement): DetectorGeometry {
  return new DetectorGeometry({
    width,
    height,
    beamCenterX: at.beamCenterX ?? width / 2,
    beamCenterY: at.beamCenterY ?? height / 2,
    distance: at.distance,
    wavelength: at.wavelength ?? 1,
    pixelSizeX: EIGER_PIXEL_SIZE_M,
    pixelSizeY: EIGER_PIXEL_SIZE_M,
  });
}
