// Ice-ring flag on synthetic frames: Poisson background, a broad solvent ring, optional sharp
// ice Ih rings. Flags the sharp rings; never a broad solvent ring, even one centred on an ice ring.
import { describe, expect, it } from 'vitest';
import { IceRingFlag } from '../src/stages/analysis/IceRingFlag.js';
import { iceRingSpacings } from '../src/stages/analysis/IceRings.js';
import { buildRadialTables } from '../src/stages/analysis/RadialBins.js';
import { RadialProfile } from '../src/stages/analysis/RadialProfile.js';
import { eigerGeometry } from '../src/stages/geometry/DetectorGeometry.js';

const N = 1024;
const geometry = eigerGeometry(N, N, { beamCenterX: 512.3, beamCenterY: 511.7, distance: 0.08 });
const tables = buildRadialTables(geometry, null, { unit: 'q', count: 700, min: 0.5, max: 4.0 });
const profile = new RadialProfile(tables, 1e9);

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function poisson(lambda: number, u: () => number): number {
  if (lambda < 30) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = u();
    while (p > l) {
      k++;
      p *= u();
    }
    return k;
  }
  const z = Math.sqrt(-2 * Math.log(u() + 1e-300)) * Math.cos(2 * Math.PI * u());
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
}

interface Scene {
  seed: number;
  background: number;
  solvent?: { q: number; sigma: number; amplitude: number };
  ice?: { amplitude: number; sigma: number; rings?: number[] };
}

/** A frame of Poisson counts whose expectation depends on q only. */
function frame(scene: Scene): Uint32Array {
  const u = rng(scene.seed);
  const px = new Uint32Array(N * N);
  const iceQ = (scene.ice?.rings ?? iceRingSpacings(1.5)).map((d) => (2 * Math.PI) / d);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const q = geometry.qAt(x + 0.5, y + 0.5);
      let lambda = scene.background;
      if (scene.solvent)
        lambda += scene.solvent.amplitude * Math.exp(-((q - scene.solvent.q) ** 2) / (2 * scene.solvent.sigma ** 2));
      if (scene.ice)
        for (const qi of iceQ) lambda += scene.ice.amplitude * Math.exp(-((q - qi) ** 2) / (2 * scene.ice.sigma ** 2));
      px[y * N + x] = poisson(lambda, u);
    }
  }
  return px;
}

function judge(scene: Scene) {
  const r = profile.integrate(frame(scene), profile.createResult());
  return new IceRingFlag('q', r.centres).check(r.mean, r.count);
}

describe('ice Ih ring positions', () => {
  it('derives the known d-spacings from the hexagonal cell with the P6_3/mmc conditions', () => {
    const d = iceRingSpacings(1.9);
    for (const known of [3.897, 3.669, 3.441, 2.671, 2.249, 2.072, 1.948, 1.918]) {
      expect(
        d.some((v) => Math.abs(v - known) < 0.004),
        `ring at ${known} A`,
      ).toBe(true);
    }
    expect(d.some((v) => Math.abs(v - 7.338) < 0.01)).toBe(false); // (001): l odd, forbidden
    expect(d.some((v) => Math.abs(v - 2.089) < 0.005)).toBe(false); // (111): hh-2hl with l odd
    expect(d[0]).toBeCloseTo(3.8954, 3);
    expect(d.every((v) => v >= 1.9)).toBe(true);
  });
});

describe('ice-ring flag on synthetic frames', () => {
  it('flags sharp ice rings on top of background and solvent, naming the rings', () => {
    const res = judge({
      seed: 11,
      background: 20,
      solvent: { q: 2.0, sigma: 0.25, amplitude: 60 },
      ice: { amplitude: 25, sigma: 0.005 },
    });
    const flagged = res.rings.filter((r) => r.flagged).map((r) => r.d);
    console.log(
      'ice frame:',
      res.rings
        .map(
          (r) =>
            `${r.d.toFixed(3)}A sig ${r.significance.toFixed(1)} rel ${r.relativeExcess.toFixed(3)}${r.flagged ? ' *' : ''}`,
        )
        .join(', '),
    );
    expect(res.flagged).toBe(true);
    for (const known of [3.897, 3.669, 3.441, 2.671]) {
      expect(
        flagged.some((d) => Math.abs(d - known) < 0.004),
        `ring ${known} flagged`,
      ).toBe(true);
    }
    expect(res.strength).toBeGreaterThan(0.1);
  });

  it('flags a single weak ring and only that one', () => {
    const res = judge({
      seed: 5,
      background: 20,
      solvent: { q: 2.0, sigma: 0.25, amplitude: 60 },
      ice: { amplitude: 6, sigma: 0.005, rings: [3.669] },
    });
    const flagged = res.rings.filter((r) => r.flagged).map((r) => r.d);
    expect(flagged.length).toBe(1);
    expect(flagged[0]).toBeCloseTo(3.669, 2);
  });

  for (const seed of [1, 2, 3]) {
    it(`does not flag a broad solvent ring (seed ${seed})`, () => {
      const res = judge({ seed, background: 20, solvent: { q: 2.0, sigma: 0.25, amplitude: 80 } });
      const worst = Math.max(...res.rings.map((r) => r.significance));
      console.log(
        `solvent only, seed ${seed}: ${res.rings.length} rings judged, max significance ${worst.toFixed(2)}`,
        res.rings
          .filter((r) => r.significance > 5)
          .map((r) => `${r.d.toFixed(3)} ${r.significance.toFixed(1)} rel ${r.relativeExcess.toFixed(4)}`)
          .join('; '),
      );
      expect(res.rings.length).toBeGreaterThanOrEqual(4);
      expect(res.flagged).toBe(false);
      expect(res.strength).toBe(0);
    });
  }

  it('does not flag a broad ring centred exactly on an ice position, nor a narrower diffuse ring', () => {
    const onIce = judge({
      seed: 7,
      background: 10,
      solvent: { q: (2 * Math.PI) / 3.669, sigma: 0.12, amplitude: 150 },
    });
    expect(onIce.flagged).toBe(false);
    const narrower = judge({
      seed: 8,
      background: 10,
      solvent: { q: (2 * Math.PI) / 3.441, sigma: 0.06, amplitude: 60 },
    });
    expect(narrower.flagged).toBe(false);
  });

  it('needs the wavelength for a 2theta profile', () => {
    expect(() => new IceRingFlag('2theta', new Float64Array([1, 2, 3]))).toThrow(/wavelength/);
  });
});
