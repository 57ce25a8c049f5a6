// The number vectors TypeScript hands to the kernels (and reads back) have the layouts the C
// code has: the addon exports each layout by name, from its enum constants, and every one must
// equal the TypeScript side, names and positions. The addon exports exactly the declared functions.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { nativeAddon, NATIVE_ERROR_CODES, NATIVE_FUNCTIONS } from '../src/native/addon.js';
import {
  DispersionInfo,
  DispersionParam,
  Pf8CreateParam,
  Pf8Info,
  Pf8Param,
} from '../src/stages/analysis/spotNative.js';
import { SPOT_STRIDE, SpotColumn } from '../src/stages/analysis/Spot.js';
import { GeometryField } from '../src/stages/analysis/radialNative.js';

describe('the native boundary', () => {
  const c = nativeAddon().layouts();
  const cases: [string, Record<string, number>, Record<string, number>][] = [
    ['dispersion parameters', DispersionParam, c.dispersionParams],
    ['dispersion info', DispersionInfo, c.dispersionInfo],
    ['peakfinder8 create-time parameters', Pf8CreateParam, c.pf8CreateParams],
    ['peakfinder8 parameters', Pf8Param, c.pf8Params],
    ['peakfinder8 info', Pf8Info, c.pf8Info],
    ['spot table columns', { ...SpotColumn, stride: SPOT_STRIDE }, c.spotColumns],
    ['geometry vector', GeometryField, c.geometry],
  ];
  for (const [what, ts, native] of cases) {
    it(`lays out the ${what} as the C code does`, () => {
      expect(ts).toEqual(native);
    });
  }

  it('exports exactly the functions src/native/addon.ts declares', () => {
    const exported = Object.keys(nativeAddon()).filter(
      (k) => typeof (nativeAddon() as unknown as Record<string, unknown>)[k] === 'function',
    );
    expect(exported.sort()).toEqual([...NATIVE_FUNCTIONS].sort());
  });

  it('declares every error code the C sources raise, the codec statuses among them', () => {
    const declared = new Set<string>(NATIVE_ERROR_CODES);
    for (const code of nativeAddon().errorCodes()) expect(declared.has(code), code).toBe(true);
    const dir = new URL('../native/src/', import.meta.url).pathname;
    const named = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.c') || f.endsWith('.h'))) {
      for (const m of readFileSync(dir + file, 'utf8').matchAll(/"(ERR_[A-Z0-9_]+)"/g)) named.add(m[1]!);
    }
    expect([...named].filter((c) => !declared.has(c))).toEqual([]);
  });
});
