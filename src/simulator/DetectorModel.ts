// The EIGER2 detectors the simulator can pretend to be: size, module layout (with the
// inter-module gaps), pixel mask, saturation and a default experiment geometry.
import type { PixelDtype } from '../receiver/events.js';
import { HC_EV_ANGSTROM } from '../receiver/fields.js';
import { EIGER_PIXEL_SIZE_M } from '../stages/geometry/DetectorGeometry.js';
import { EIGER2_LAYOUT } from '../stages/geometry/eigerModules.js';
import { Prng } from './Prng.js';

export const DETECTOR_NAMES = ['eiger2-4m', 'eiger2-9m', 'eiger2-16m'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** DECTRIS pixel_mask bits. */
export const MASK_GAP = 1 << 0;
export const MASK_DEAD = 1 << 1;
export const MASK_NOISY = 1 << 4;

// The simulated detectors are EIGER2s: their module layout is the real one.
const MODULE_WIDTH = EIGER2_LAYOUT.moduleWidth;
const MODULE_HEIGHT = EIGER2_LAYOUT.moduleHeight;
const GAP_COLUMNS = EIGER2_LAYOUT.gapColumns;
const GAP_ROWS = EIGER2_LAYOUT.gapRows;
export const PIXEL_SIZE_M = EIGER_PIXEL_SIZE_M;

interface ModelSpec {
  modulesX: number;
  modulesY: number;
  description: string;
  serialNumber: string;
  /** Default sample-detector distance; scaled with the detector so all sizes reach ~2 A at the edge. */
  distance: number;
}

const SPECS: Record<DetectorName, ModelSpec> = {
  'eiger2-4m': {
    modulesX: 2,
    modulesY: 4,
    description: 'Dectris EIGER2 Si 4M',
    serialNumber: 'E-08-0001',
    distance: 0.12,
  },
  'eiger2-9m': {
    modulesX: 3,
    modulesY: 6,
    description: 'Dectris EIGER2 Si 9M',
    serialNumber: 'E-18-0001',
    distance: 0.18,
  },
  'eiger2-16m': {
    modulesX: 4,
    modulesY: 8,
    description: 'Dectris EIGER2 Si 16M',
    serialNumber: 'E-32-0001',
    distance: 0.24,
  },
};

/** Fraction of sensor pixels marked dead (bit 1) and noisy (bit 4); of the order seen on real detectors. */
const DEAD_FRACTION = 2e-5;
const NOISY_FRACTION = 2e-5;

export class DetectorModel {
  readonly name: DetectorName;
  readonly description: string;
  readonly serialNumber: string;
  readonly modulesX: number;
  readonly modulesY: number;
  readonly width: number;
  readonly height: number;
  readonly pixelSizeX = PIXEL_SIZE_M;
  readonly pixelSizeY = PIXEL_SIZE_M;
  readonly sensorMaterial = 'Si';
  readonly sensorThickness = 450e-6;
  /** Default geometry: beam centre near (not on) the middle, in pixels; distance in m; wavelength in A. */
  readonly beamCenterX: number;
  readonly beamCenterY: number;
  readonly distance: number;
  readonly wavelength = 1.0;
  private mask: Uint32Array | undefined;
  private maskedList: Uint32Array | undefined;

  constructor(name: DetectorName) {
    const spec = SPECS[name];
    this.name = name;
    this.description = spec.description;
    this.serialNumber = spec.serialNumber;
    this.modulesX = spec.modulesX;
    this.modulesY = spec.modulesY;
    this.width = spec.modulesX * MODULE_WIDTH + (spec.modulesX - 1) * GAP_COLUMNS;
    this.height = spec.modulesY * MODULE_HEIGHT + (spec.modulesY - 1) * GAP_ROWS;
    this.beamCenterX = this.width / 2 + 17.3;
    this.beamCenterY = this.height / 2 - 23.6;
    this.distance = spec.distance;
  }

  get pixelCount(): number {
    return this.width * this.height;
  }

  /** Photon energy in eV for the default wavelength. */
  get photonEnergy(): number {
    return HC_EV_ANGSTROM / this.wavelength;
  }

  /** True when (x, y) (integer pixel indices) lies in an inter-module gap. */
  isGap(x: number, y: number): boolean {
    return isGapCoordinate(x, MODULE_WIDTH, GAP_COLUMNS) || isGapCoordinate(y, MODULE_HEIGHT, GAP_ROWS);
  }

  /**
   * Distance in pixels from (x, y) to the nearest module edge along either axis (0 on an edge
   * pixel, negative inside a gap). Used to keep synthetic spots clear of gaps.
   */
  distanceToModuleEdge(x: number, y: number): number {
    return Math.min(edgeDistance(x, MODULE_WIDTH, GAP_COLUMNS), edgeDistance(y, MODULE_HEIGHT, GAP_ROWS));
  }

  /** The DECTRIS-style pixel mask (row-major, width*height): gaps bit 0, a few dead (bit 1) and noisy (bit 4) pixels. */
  pixelMask(): Uint32Array {
    if (!this.mask) this.mask = this.buildMask();
    return this.mask;
  }

  /** Indices of every pixel with any mask bit set, ascending. */
  maskedPixels(): Uint32Array {
    if (!this.maskedList) {
      const mask = this.pixelMask();
      let n = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
      const list = new Uint32Array(n);
      n = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) list[n++] = i;
      this.maskedList = list;
    }
    return this.maskedList;
  }

  /** Largest valid count for a dtype (as the detector reports in saturation_value / count cutoff). */
  saturationValue(dtype: PixelDtype): number {
    if (dtype === 'uint8') return 254;
    // The uint16 value is the one real EIGER2 16M data report; uint32 (auto-summation) allows more.
    return dtype === 'uint16' ? 21517 : 1_000_000;
  }

  private buildMask(): Uint32Array {
    const { width, height } = this;
    const mask = new Uint32Array(width * height);
    const gapColumn = new Uint8Array(width);
    for (let x = 0; x < width; x++) gapColumn[x] = isGapCoordinate(x, MODULE_WIDTH, GAP_COLUMNS) ? 1 : 0;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      if (isGapCoordinate(y, MODULE_HEIGHT, GAP_ROWS)) {
        mask.fill(MASK_GAP, row, row + width);
        continue;
      }
      for (let x = 0; x < width; x++) if (gapColumn[x]) mask[row + x] = MASK_GAP;
    }
    // Fixed seed per model: the same detector always has the same bad pixels.
    const rng = new Prng(0x5eed0000 + width);
    scatterBits(mask, rng, Math.round(width * height * DEAD_FRACTION), MASK_DEAD);
    scatterBits(mask, rng, Math.round(width * height * NOISY_FRACTION), MASK_NOISY);
    return mask;
  }
}

function isGapCoordinate(v: number, moduleSize: number, gap: number): boolean {
  return v % (moduleSize + gap) >= moduleSize;
}

function edgeDistance(v: number, moduleSize: number, gap: number): number {
  const local = v % (moduleSize + gap);
  if (local >= moduleSize) return -1;
  return Math.min(local, moduleSize - 1 - local);
}

function scatterBits(mask: Uint32Array, rng: Prng, count: number, bit: number): void {
  let placed = 0;
  while (placed < count) {
    const i = rng.int(0, mask.length - 1);
    if (mask[i] !== 0) continue;
    mask[i] = bit;
    placed++;
  }
}

const cache = new Map<DetectorName, DetectorModel>();

/** The shared model for a detector (masks and tables are built once per process). */
export function detectorModel(name: DetectorName): DetectorModel {
  let model = cache.get(name);
  if (!model) {
    model = new DetectorModel(name);
    cache.set(name, model);
  }
  return model;
}

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}

/** Parses a detector name, with an error that lists the valid ones. */
export function parseDetectorName(name: string): DetectorName {
  const normalised = name.trim().toLowerCase();
  if (!isDetectorName(normalised)) {
    throw new Error(`unknown detector "${name}"; expected one of ${DETECTOR_NAMES.join(', ')}`);
  }
  return normalised;
}
