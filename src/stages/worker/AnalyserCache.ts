// Analysers (with their geometry tables) kept across series: consecutive series at a beamline
// usually share the detector geometry and mask, and building the tables of a 16M detector takes
// a second or more. Keyed by everything the tables depend on: geometry, pixel type, saturation,
// a hash of the pixel mask, the settings and the path.
import type { PoolPath } from '../pool/protocol.js';
import type { Analyser, AnalyserFactory, ShapedSetup, WorkerSettings } from './Analyser.js';
import { LruCache } from '../../util/LruCache.js';

const KEEP = 2;

export class AnalyserCache {
  private readonly cache = new LruCache<string, Analyser>(KEEP);

  constructor(private readonly make: AnalyserFactory) {}

  get builds(): number {
    return this.cache.builds;
  }

  get(setup: ShapedSetup, mask: Uint32Array | null, settings: WorkerSettings, path: PoolPath): Analyser {
    const key = JSON.stringify([
      setup.width,
      setup.height,
      setup.dtype,
      setup.saturationValue,
      setup.beamCenterX,
      setup.beamCenterY,
      setup.detectorDistance,
      setup.wavelength,
      setup.pixelSizeX,
      setup.pixelSizeY,
      mask ? maskHash(mask) : null,
      settings,
      path,
    ]);
    return this.cache.getOrMake(key, () => this.make(setup, mask, settings, path));
  }
}

/** FNV-1a over the mask words: enough to tell two detector masks apart, one pass over the mask. */
function maskHash(mask: Uint32Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < mask.length; i++) {
    const w = mask[i]!;
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 ^ (w + i), 0x5bd1e995);
  }
  return `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}:${mask.length}`;
}
