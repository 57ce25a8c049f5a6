// Radial profile against pyFAI 0.21 integrate1d (no pixel splitting, histogram engine) on the
// synthetic EIGER2 4M frame: committed goldens always, and a live pyFAI run when it is installed.
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStaticMask, validLimit, type MaskSource, type StaticMask } from '../src/stages/analysis/PixelMask.js';
import { buildRadialTables } from '../src/stages/analysis/RadialBins.js';
import { RadialProfile } from '../src/stages/analysis/RadialProfile.js';
import {
  compareWithPyfai,
  correctionsOf,
  GOLDEN_DIR,
  readGolden,
  livePyfai,
  SYN,
  SYN_USER_MASK,
  synGeometry,
  syntheticEigerFrame,
  type GoldenCase,
  type GoldenFile,
  type SyntheticFrame,
} from './radial-fixtures.js';

let frame: SyntheticFrame;
let mask: StaticMask;
const geometry = synGeometry();

beforeAll(() => {
  frame = syntheticEigerFrame();
  const source: MaskSource = {
    width: SYN.width,
    height: SYN.height,
    dtype: 'uint32',
    saturationValue: SYN.saturation,
    pixelMask: frame.detectorMask,
  };
  mask = buildStaticMask(1, geometry, source, SYN_USER_MASK);
});

function ourProfile(c: GoldenCase) {
  const tables = buildRadialTables(
    geometry,
    mask,
    { unit: c.unit, count: c.npt, min: c.min, max: c.max },
    correctionsOf(c.name),
  );
  const profile = new RadialProfile(tables, validLimit('uint32', SYN.saturation));
  return profile.integrate(frame.pixels, profile.createResult());
}

function checkAgainst(golden: GoldenFile, label: string): void {
  for (const c of golden.cases) {
    const r = ourProfile(c);
    const a = compareWithPyfai(r.mean, r.count, r.centres, c);
    // The figures, for the report: how close we are to pyFAI.
    console.log(
      `${label} ${c.name}: count mismatches ${a.countMismatches}, max rel vs pyFAI sums ${a.maxRelVsSums.toExponential(2)}, vs pyFAI float32 intensity ${a.maxRelVsIntensity.toExponential(2)}, empty bins ${a.emptyBins}`,
    );
    expect(a.countMismatches, `${c.name}: bins whose pixel count differs from pyFAI`).toBe(0);
    expect(a.maxRelVsSums, c.name).toBeLessThan(1e-5);
    expect(a.maxRelVsIntensity, c.name).toBeLessThan(1e-5);
    expect(a.maxRelCentres, c.name).toBeLessThan(1e-9);
    expect(a.emptyBins, `${c.name}: a comparison needs filled bins`).toBeLessThan(c.npt / 2);
  }
}

describe('synthetic EIGER2 4M frame vs pyFAI goldens', () => {
  const golden = readGolden(GOLDEN_DIR, 'synthetic_eiger4m.json');

  it('generates the same frame as the golden script', () => {
    const f = golden.frame!;
    let sum = 0n;
    let allOnes = 0;
    let above = 0;
    let detectorMasked = 0;
    for (let i = 0; i < frame.pixels.length; i++) {
      const v = frame.pixels[i]!;
      sum += BigInt(v);
      if (v === 0xffffffff) allOnes++;
      else if (v > SYN.saturation) above++;
      if (frame.detectorMask[i]! & 0xffff) detectorMasked++;
    }
    expect(sum).toBe(BigInt(f.sum!));
    expect(allOnes).toBe(f.allOnes);
    expect(above).toBe(f.aboveSaturation);
    expect(detectorMasked).toBe(f.detectorMasked);
    expect(mask.validCount).toBe(f.validStatic);
  });

  it('equals pyFAI per bin in q, 2theta and d, with and without corrections (rel 1e-5)', () => {
    expect(golden.cases.map((c) => c.unit)).toEqual(expect.arrayContaining(['q', '2theta', 'd']));
    checkAgainst(golden, 'golden');
  });
});

describe('synthetic EIGER2 4M frame vs live pyFAI', () => {
  const live = livePyfai('synthetic');
  it.skipIf(live.missing !== null)('equals a pyFAI run made now', () => {
    expect(existsSync(live.dir())).toBe(true);
    checkAgainst(readGolden(live.dir(), 'synthetic_eiger4m.json'), 'live');
  });
  if (live.missing) it.skip(`live pyFAI comparison skipped: ${live.missing}`, () => {});
});
