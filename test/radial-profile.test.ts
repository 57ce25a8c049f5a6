// Radial profile unit behaviour: bins against the geometry, means against a plain JS reference for
// every pixel type, empty bins, caching of the geometry-only tables, and hostile native input.
import { describe, expect, it } from 'vitest';
import { buildStaticMask, validLimit } from '../src/stages/analysis/PixelMask.js';
import { buildRadialTables, radialEdges, resolveBinSpec, RadialTableCache } from '../src/stages/analysis/RadialBins.js';
import { RadialProfile, RadialProfiler } from '../src/stages/analysis/RadialProfile.js';
import { nativeAddon } from '../src/native/addon.js';
import type { RadialPixels } from '../src/stages/analysis/radialNative.js';
import { DetectorGeometry } from '../src/stages/geometry/DetectorGeometry.js';

const W = 120;
const H = 90;
const geometry = new DetectorGeometry({
  width: W,
  height: H,
  beamCenterX: 50.3,
  beamCenterY: 40.8,
  distance: 0.02,
  wavelength: 0.9,
  pixelSizeX: 75e-6,
  pixelSizeY: 75e-6,
});
const noMaskSource = { width: W, height: H, dtype: 'uint32' as const, saturationValue: null, pixelMask: null };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('bin table', () => {
  it('puts each pixel in the bin of its q, d or 2theta (away from edges), and masked/out-of-range pixels in the sentinel', () => {
    const mask = buildStaticMask(1, geometry, noMaskSource, { circles: [{ x: 50.3, y: 40.8, r: 5 }] });
    for (const [unit, min, max] of [
      ['q', 0.2, 3.0],
      ['2theta', 1, 30],
      ['d', 2.5, 20],
    ] as const) {
      const t = buildRadialTables(geometry, mask, { unit, count: 37, min, max });
      const { edges } = t.edges;
      let inRange = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          const v =
            unit === 'q'
              ? geometry.qAt(x + 0.5, y + 0.5)
              : unit === 'd'
                ? geometry.dAt(x + 0.5, y + 0.5)
                : (geometry.twoThetaAt(x + 0.5, y + 0.5) * 180) / Math.PI;
          const b = Math.floor((v - edges[0]!) / (edges[1]! - edges[0]!));
          const nearEdge =
            Math.abs(
              (v - edges[0]!) / (edges[1]! - edges[0]!) - Math.round((v - edges[0]!) / (edges[1]! - edges[0]!)),
            ) < 1e-4;
          if (nearEdge) continue;
          const expected = !mask.valid[i] || b < 0 || b >= 37 ? 37 : b;
          if (expected < 37) inRange++;
          expect(t.table[i], `${unit} pixel (${x}, ${y}) value ${v}`).toBe(expected);
        }
      }
      expect(inRange).toBeGreaterThan(1000);
      let counted = 0;
      for (const c of t.staticCount) counted += c;
      expect(counted).toBe(t.table.filter((b) => b < 37).length);
    }
  });

  it('follows pyFAI: upper edge widened by one float32 epsilon, centres in the middle of the bins', () => {
    const e = radialEdges(resolveBinSpec({ unit: 'q', count: 4, min: 0, max: 2 }, geometry));
    expect(e.max0).toBe(20 * (1 + 2 ** -23));
    expect(e.edges[4]).toBeCloseTo(2 * (1 + 2 ** -23), 14);
    expect(e.centres[0]).toBeCloseTo((e.edges[0]! + e.edges[1]!) / 2, 14);
  });

  it('rejects bad bin layouts with a clear message', () => {
    expect(() => resolveBinSpec({ unit: 'd', count: 10 }, geometry)).toThrow(/explicit min and max/);
    expect(() => resolveBinSpec({ unit: 'q', count: 0 }, geometry)).toThrow(/count/);
    expect(() => resolveBinSpec({ unit: 'q', count: 70000 }, geometry)).toThrow(/count/);
    expect(() => resolveBinSpec({ unit: 'q', count: 10, min: 2, max: 1 }, geometry)).toThrow(/min < max/);
    expect(() => resolveBinSpec({ unit: 'x' as never, count: 10 }, geometry)).toThrow(/unit/);
    expect(() => buildRadialTables(geometry, null, { unit: 'q', count: 10 }, { polarizationFactor: 3 })).toThrow(
      /polarizationFactor/,
    );
  });
});

describe('per-frame profile', () => {
  const kinds: [string, () => RadialPixels, 'uint8' | 'uint16' | 'uint32' | 'int32' | 'float32'][] = [
    ['uint8', () => new Uint8Array(W * H), 'uint8'],
    ['uint16', () => new Uint16Array(W * H), 'uint16'],
    ['uint32', () => new Uint32Array(W * H), 'uint32'],
    ['int32', () => new Int32Array(W * H), 'int32'],
    ['float32', () => new Float32Array(W * H), 'float32'],
  ];
  for (const [label, make, dtype] of kinds) {
    it(`${label}: mean and count per bin equal a plain JS reference`, () => {
      const rnd = lcg(label.length * 7919);
      const px = make();
      const sat = 200;
      for (let i = 0; i < px.length; i++) px[i] = Math.floor(rnd() * 210) + (dtype === 'float32' ? 0.25 : 0);
      px[3] =
        dtype === 'float32'
          ? Number.NaN
          : dtype === 'int32'
            ? -1
            : dtype === 'uint8'
              ? 0xff
              : dtype === 'uint16'
                ? 0xffff
                : 0xffffffff;
      const det = new Uint32Array(W * H);
      det[100] = 2;
      const mask = buildStaticMask(1, geometry, { ...noMaskSource, dtype, saturationValue: sat, pixelMask: det });
      const t = buildRadialTables(geometry, mask, { unit: 'q', count: 25, min: 0.1, max: 2.5 });
      const p = new RadialProfile(t, validLimit(dtype, sat));
      const out = p.createResult();
      expect(p.integrate(px, out)).toBe(out);
      const sum = new Float64Array(25);
      const cnt = new Uint32Array(25);
      for (let i = 0; i < px.length; i++) {
        const b = t.table[i]!;
        const v = px[i]!;
        if (b >= 25 || !(v <= sat) || (dtype === 'int32' && v < 0)) continue;
        sum[b] = sum[b]! + v;
        cnt[b] = cnt[b]! + 1;
      }
      for (let b = 0; b < 25; b++) {
        expect(out.count[b], `bin ${b}`).toBe(cnt[b]);
        if (cnt[b] === 0) expect(out.mean[b]).toBeNaN();
        else expect(out.mean[b]! / (sum[b]! / cnt[b]!) - 1, `bin ${b}`).toBeCloseTo(0, 12);
      }
    });
  }

  it('gives NaN and count 0 for bins without pixels', () => {
    const t = buildRadialTables(geometry, null, { unit: 'q', count: 10, min: 30, max: 40 }); // beyond the detector
    const p = new RadialProfile(t, 1e6);
    const r = p.integrate(new Uint16Array(W * H).fill(3), p.createResult());
    expect([...r.count]).toEqual(new Array(10).fill(0));
    expect(r.mean.every((v) => Number.isNaN(v))).toBe(true);
  });

  it('refuses a frame of the wrong size', () => {
    const t = buildRadialTables(geometry, null, { unit: 'q', count: 10 });
    const p = new RadialProfile(t, 1e6);
    expect(() => p.integrate(new Uint16Array(W * H - 1), p.createResult())).toThrow(/10799 pixels/);
  });
});

describe('geometry-only tables are built once', () => {
  it('RadialProfiler: one mask and one table build for a whole series; rebuilt when the geometry changes', () => {
    const profiler = new RadialProfiler({
      bins: { unit: 'q', count: 50 },
      corrections: { solidAngle: true, polarizationFactor: 0.99 },
    });
    const src = { ...noMaskSource, dtype: 'uint16' as const, saturationValue: 5000 };
    const px = new Uint16Array(W * H).fill(7);
    const first = profiler.profileFor(geometry, src);
    const out = first.createResult();
    for (let frame = 0; frame < 30; frame++) {
      const p = profiler.profileFor(geometry, src);
      expect(p).toBe(first);
      p.integrate(px, out);
    }
    expect(profiler.masks.builds).toBe(1);
    expect(profiler.tables.builds).toBe(1);
    const moved = new DetectorGeometry({ ...geometry, distance: 0.03 });
    profiler.profileFor(moved, src);
    profiler.profileFor(moved, src);
    expect(profiler.masks.builds).toBe(2);
    expect(profiler.tables.builds).toBe(2);
  });

  it('RadialTableCache: different bins or corrections are separate entries', () => {
    const cache = new RadialTableCache(4);
    const a = cache.get(geometry, null, { unit: 'q', count: 20 });
    expect(cache.get(geometry, null, { unit: 'q', count: 20 })).toBe(a);
    cache.get(geometry, null, { unit: 'q', count: 21 });
    cache.get(geometry, null, { unit: 'q', count: 20 }, { solidAngle: true });
    expect(cache.builds).toBe(3);
  });
});

/** The `.code` of what fn throws (undefined when it does not throw). */
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('native kernel on hostile input', () => {
  const A = nativeAddon();
  const nb = 8;
  const scratch = new Float64Array(A.radialScratchLength(nb));
  const args = (over: Partial<Record<string, unknown>> = {}) => {
    const a = {
      pixels: new Uint16Array(100).fill(1) as RadialPixels,
      table: new Uint16Array(100),
      nbins: nb,
      limit: 1000,
      scratch,
      staticCount: new Uint32Array(nb).fill(100),
      staticNorm: new Float64Array(0),
      factor: new Float32Array(0),
      mean: new Float64Array(nb),
      count: new Uint32Array(nb),
      ...over,
    };
    return () =>
      A.radialAccumulate(
        a.pixels as RadialPixels,
        a.table as Uint16Array,
        a.nbins as number,
        a.limit as number,
        a.scratch as Float64Array,
        a.staticCount as Uint32Array,
        a.staticNorm as Float64Array,
        a.factor as Float32Array,
        a.mean as Float64Array,
        a.count as Uint32Array,
      );
  };

  it('throws ERR_INVALID_ARG for mismatched lengths and unsupported pixel types', () => {
    expect(args({ pixels: new Uint16Array(99) })).toThrow(/pixels/);
    expect(args({ pixels: new Uint32Array(99) })).toThrow(/pixels/);
    expect(args({ pixels: new Float64Array(100) })).toThrow(/pixels/);
    expect(args({ scratch: new Float64Array(3) })).toThrow(/scratch/);
    expect(args({ mean: new Float64Array(nb - 1) })).toThrow(/mean/);
    expect(args({ staticNorm: new Float64Array(nb) })).toThrow(/factor/);
    expect(args({ nbins: 0 })).toThrow(/nbins/);
    expect(args({ limit: Number.NaN })).toThrow(/limit/);
    expect(codeOf(args({ pixels: new Int16Array(100) }))).toBe('ERR_INVALID_ARG');
  });

  it('reads the pixel type from the array: the same counts give the same profile in every type', () => {
    const counts = Array.from({ length: 100 }, (_, i) => (i * 37) % 200);
    const table = Uint16Array.from({ length: 100 }, (_, i) => i % nb);
    const run = (pixels: RadialPixels) => {
      const mean = new Float64Array(nb);
      const staticCount = new Uint32Array(nb);
      for (const b of table) staticCount[b]!++;
      args({ pixels, table, staticCount, mean })();
      return mean;
    };
    const want = run(Uint8Array.from(counts));
    for (const T of [Uint16Array, Uint32Array, Int32Array, Float32Array]) expect(run(T.from(counts))).toEqual(want);
    expect(run(Buffer.from(counts))).toEqual(want);
  });

  it('refuses an array of the wrong type, naming the argument and the type it must be', () => {
    const u16 = new Uint16Array(100);
    const cases: [Partial<Record<string, unknown>>, RegExp][] = [
      [{ table: new Float64Array(100) }, /table must be a Uint16Array, got a Float64Array/],
      [{ table: new Uint8Array(u16.buffer) }, /table must be a Uint16Array, got a Uint8Array/],
      [{ table: new DataView(u16.buffer) }, /table must be a Uint16Array/],
      [{ table: Array.from(u16) }, /table must be a Uint16Array/],
      [{ scratch: new Float32Array(scratch.length) }, /scratch must be a Float64Array/],
      [{ staticCount: new Int32Array(nb) }, /staticCount must be a Uint32Array/],
      [{ staticNorm: new Float32Array(0) }, /staticNorm must be a Float64Array/],
      [{ factor: new Float64Array(0) }, /factor must be a Float32Array/],
      [{ mean: new Float32Array(nb) }, /mean must be a Float64Array/],
      [{ count: new Uint16Array(nb) }, /count must be a Uint32Array/],
      [{ pixels: new Float64Array(100) }, /pixels must be a Uint8Array, .*Float32Array, got a Float64Array/],
    ];
    for (const [over, message] of cases) {
      expect(args(over)).toThrow(message);
      expect(codeOf(args(over))).toBe('ERR_INVALID_ARG');
    }
  });

  it('refuses wrong array types in the table build, naming the argument', () => {
    const n = W * H;
    const build = (over: Partial<Record<string, unknown>> = {}) => {
      const a = {
        geometry: Float64Array.from([W, H, 0.003, 0.003, 75e-6, 75e-6, 0.1, 1e-10, 0, 0, 0]),
        edges: Float64Array.from([0, 0.1, nb]),
        valid: new Uint8Array(0),
        table: new Uint16Array(n),
        staticCount: new Uint32Array(nb),
        corrections: Float64Array.from([0, Number.NaN]),
        factor: new Float32Array(0),
        staticNorm: new Float64Array(0),
        ...over,
      };
      return () =>
        A.radialBuildTable(
          a.geometry as Float64Array,
          0,
          a.edges as Float64Array,
          a.valid as Uint8Array,
          a.table as Uint16Array,
          a.staticCount as Uint32Array,
          a.corrections as Float64Array,
          a.factor as Float32Array,
          a.staticNorm as Float64Array,
        );
    };
    expect(build()).not.toThrow();
    expect(build({ valid: Buffer.alloc(n, 1) })).not.toThrow();
    const cases: [Partial<Record<string, unknown>>, RegExp][] = [
      [{ geometry: new Float32Array(11) }, /geometry must be a Float64Array, got a Float32Array/],
      [{ edges: [0, 0.1, nb] }, /edges must be a Float64Array/],
      [{ valid: new Uint16Array(n) }, /valid must be a Uint8Array, got a Uint16Array/],
      [{ table: new Uint8Array(new Uint16Array(n).buffer) }, /table must be a Uint16Array, got a Uint8Array/],
      [{ table: new Int16Array(n) }, /table must be a Uint16Array, got an Int16Array/],
      [{ staticCount: new Float64Array(nb) }, /staticCount must be a Uint32Array/],
      [{ corrections: new Float32Array(2) }, /corrections must be a Float64Array/],
      [{ factor: new Float64Array(0) }, /factor must be a Float32Array/],
      [{ staticNorm: new Uint32Array(0) }, /staticNorm must be a Float64Array/],
      [{ table: new Uint16Array(n - 1) }, /table has/],
    ];
    for (const [over, message] of cases) {
      expect(build(over)).toThrow(message);
      expect(codeOf(build(over))).toBe('ERR_INVALID_ARG');
    }
  });

  it('stays inside its buffers when the table holds out-of-range bins', () => {
    const table = new Uint16Array(100);
    for (let i = 0; i < 100; i++) table[i] = (i * 7919) & 0xffff;
    expect(args({ table })).not.toThrow();
    expect(() =>
      A.radialBuildTable(
        new Float64Array(3),
        0,
        new Float64Array(3),
        new Uint8Array(0),
        new Uint16Array(0),
        new Uint32Array(0),
        new Float64Array(2),
        new Float32Array(0),
        new Float64Array(0),
      ),
    ).toThrow(/geometry/);
  });
});
