// Encoders and decoders together: every codec, dtype, odd sizes, short and non-default blocks,
// every CPU level; and interoperability with the reference tools (Debian bitshuffle, python3-lz4,
// h5py + hdf5plugin) in both directions when /usr/bin/python3 has them.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameDecoder, type PixelArray } from '../src/codec/FrameDecoder.js';
import { encodePixels } from '../src/codec/FrameEncoder.js';
import { v2Encoding, parseV1Encoding } from '../src/codec/encodings.js';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { supportedCpuLevels } from '../src/native/cpuLevel.js';
import { nativeAddon } from '../src/native/addon.js';
import type { FrameEncoding, PixelDtype } from '../src/receiver/events.js';
import { hdf5FiltersAvailable, pythonHas, runPython } from './goldens/codec/pythonReference.js';

const codec = nativeCodec();
const initialLevel = nativeAddon().cpuLevel();
afterAll(() => {
  nativeAddon().setCpuLevel(initialLevel);
});

/** Detector-like pixels from a fixed seed: mostly 0, small counts, some masked (all ones), some noise. */
function pixels(dtype: PixelDtype, n: number, seed: number): PixelArray {
  const out = dtype === 'uint8' ? new Uint8Array(n) : dtype === 'uint16' ? new Uint16Array(n) : new Uint32Array(n);
  const max = dtype === 'uint8' ? 0xff : dtype === 'uint16' ? 0xffff : 0xffffffff;
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x % 40 === 0 ? max : x % 3 === 0 ? (x >>> 12) % 30 : x % 11 === 0 ? x % (max + 1) : 0;
  }
  return out;
}

const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const sha256 = (v: ArrayBufferView) => createHash('sha256').update(bytesOf(v)).digest('hex');
const DTYPES: PixelDtype[] = ['uint8', 'uint16', 'uint32'];
const ELEM = { uint8: 1, uint16: 2, uint32: 4 } as const;
const SIZES = [1, 7, 8, 9, 100, 1001, 4095, 4096 * 3 + 5, 100_003];

function encodingFor(codecName: FrameEncoding['codec'], dtype: PixelDtype): FrameEncoding {
  const e = ELEM[dtype];
  if (codecName === 'raw') return parseV1Encoding('<', dtype);
  if (codecName === 'lz4-block') return parseV1Encoding('lz4<', dtype);
  if (codecName === 'lz4') return v2Encoding('lz4', e);
  return parseV1Encoding(`bs${e * 8}-lz4<`, dtype);
}

/** x86 feature flags of this CPU from /proc/cpuinfo (empty elsewhere). */
function cpuFlags(): Set<string> {
  if (!existsSync('/proc/cpuinfo')) return new Set();
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('flags'));
  return new Set(line ? line.split(':')[1]!.trim().split(/\s+/) : []);
}

describe('round trips', () => {
  const decoder = new FrameDecoder();

  it('offers every CPU level the CPU has, so the level comparisons below cover them', () => {
    const flags = cpuFlags();
    const levels = supportedCpuLevels();
    if (flags.has('avx2')) expect(levels).toContain('avx2');
    if (['gfni', 'avx512f', 'avx512bw', 'avx512vbmi'].every((f) => flags.has(f))) {
      expect(levels[0]).toBe('avx512gfni');
      expect(initialLevel).toBe('avx512gfni');
    }
  });

  it('every codec, dtype and size decodes back to the input, at every CPU level', () => {
    const levels = supportedCpuLevels();
    expect(levels).toContain('scalar');
    for (const dtype of DTYPES) {
      for (const n of SIZES) {
        const px = pixels(dtype, n, n);
        for (const c of ['raw', 'lz4-block', 'lz4', 'bslz4'] as const) {
          const enc = encodingFor(c, dtype);
          const blob = encodePixels(px, enc);
          for (const level of c === 'bslz4' ? levels : [initialLevel]) {
            nativeAddon().setCpuLevel(level);
            const out = decoder.decode(blob, enc, n, 1, dtype);
            expect(sha256(out), `${c} ${dtype} n=${n} ${level}`).toBe(sha256(px));
          }
        }
      }
    }
  });

  it('bslz4 with non-default block sizes, blocks larger than the frame and n % 8 leftovers', () => {
    for (const dtype of DTYPES) {
      const e = ELEM[dtype];
      for (const blockBytes of [8 * e, 64 * e, 1000 * 8 * e, 1 << 20]) {
        for (const n of [5, 8, 13, 999, 10_007]) {
          const px = pixels(dtype, n, n + blockBytes);
          const enc = encodingFor('bslz4', dtype);
          const blob = encodePixels(px, enc, { blockBytes });
          // The header records the block size we asked for.
          expect(new DataView(blob.buffer, blob.byteOffset).getUint32(8)).toBe(blockBytes);
          expect(sha256(decoder.decode(blob, enc, n, 1, dtype))).toBe(sha256(px));
        }
      }
    }
  });

  it('framed lz4 stores incompressible blocks raw and still round-trips', () => {
    const noise = new Uint8Array(10_000);
    let x = 99;
    for (let i = 0; i < noise.length; i++) noise[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const blob = codec.encodeLz4Framed(noise, 4096);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    expect(Number(view.getBigUint64(0))).toBe(10_000);
    expect(view.getUint32(8)).toBe(4096);
    expect(view.getUint32(12)).toBe(4096); // stored: compressed length == block length
    expect(blob.length).toBe(12 + 3 * 4 + 10_000);
    expect(sha256(decoder.decode(blob, v2Encoding('lz4', 1), 10_000, 1, 'uint8'))).toBe(sha256(noise));
  });

  it('encodeBslz4Into writes the same bytes as encodeBslz4 into a reused buffer', () => {
    const px = pixels('uint16', 50_001, 3);
    const bound = codec.bslz4MaxSize(px.byteLength, 2);
    const dst = new Uint8Array(bound);
    const n = codec.encodeBslz4Into(px, 2, dst);
    expect(Buffer.from(dst.subarray(0, n)).equals(codec.encodeBslz4(px, 2))).toBe(true);
    expect(n).toBeLessThan(bound);
    const small = new Uint8Array(codec.bslz4MaxSize(px.byteLength, 2, 256));
    const again = codec.encodeBslz4Into(pixels('uint16', 50_001, 4), 2, small, 256);
    expect(again).toBeGreaterThan(0);
    expect(() => codec.encodeBslz4Into(px, 2, new Uint8Array(bound - 1))).toThrow(/dst has .* bslz4MaxSize/);
    expect(() => codec.encodeBslz4(px, 2, 100)).toThrow(/blockBytes 100/);
    expect(() => codec.encodeBslz4(new Uint8Array(3), 2)).toThrow(/whole elements/);
  });

  it('the decoder reuses its buffer and grows it only for larger frames', () => {
    const d = new FrameDecoder();
    const enc = encodingFor('bslz4', 'uint16');
    const small = encodePixels(pixels('uint16', 1000, 1), enc);
    const big = encodePixels(pixels('uint16', 5000, 2), enc);
    const a = d.decode(small, enc, 1000, 1, 'uint16');
    const b = d.decode(small, enc, 1000, 1, 'uint16');
    expect(b.buffer).toBe(a.buffer);
    const c = d.decode(big, enc, 5000, 1, 'uint16');
    expect(d.capacity).toBe(10_000);
    const e = d.decode(small, enc, 1000, 1, 'uint16');
    expect(e.buffer).toBe(c.buffer);
    expect(d.capacity).toBe(10_000);
  });
});

const HAVE_PY =
  pythonHas('numpy', 'bitshuffle', 'lz4.block', 'h5py', 'hdf5plugin') && hdf5FiltersAvailable(32004, 32008);
if (!HAVE_PY)
  console.warn(
    '/usr/bin/python3 with numpy, bitshuffle, lz4, h5py, hdf5plugin and the HDF5 filters 32004 (LZ4, Debian hdf5-filter-plugin) and 32008 (bitshuffle) not found; skipping interop',
  );

// Reads blobs written by our encoders and reports the sha256 of what the reference decodes.
const PY_DECODE_OURS = String.raw`
import sys, json, hashlib, os, tempfile
import numpy as np, bitshuffle, lz4.block, h5py, hdf5plugin
cases = json.loads(open(sys.argv[1]).read())
out = []
for case, path in zip(cases, sys.argv[2:]):
    blob = open(path, 'rb').read()
    dt = np.dtype(case['dtype']).newbyteorder('<')
    n = case['n']
    r = {}
    if case['codec'] == 'bslz4':
        block = int.from_bytes(blob[8:12], 'big') // dt.itemsize
        px = bitshuffle.decompress_lz4(np.frombuffer(blob[12:], np.uint8), (n,), dt, block)
        r['bitshuffle'] = hashlib.sha256(px.tobytes()).hexdigest()
        filt = (32008, (0, 2, dt.itemsize, 0, 2))
    elif case['codec'] == 'lz4-block':
        r['lz4'] = hashlib.sha256(lz4.block.decompress(blob, uncompressed_size=n * dt.itemsize)).hexdigest()
        filt = None
    else:
        filt = (32004, ())
    if filt:
        fd, name = tempfile.mkstemp(suffix='.h5'); os.close(fd)
        with h5py.File(name, 'w') as f:
            ds = f.create_dataset('d', shape=(n,), chunks=(n,), dtype=dt, compression=filt[0], compression_opts=filt[1])
            ds.id.write_direct_chunk((0,), blob)
        with h5py.File(name, 'r') as f:
            r['h5py'] = hashlib.sha256(f['d'][:].astype(dt).tobytes()).hexdigest()
        os.unlink(name)
    out.append(r)
print(json.dumps(out))
`;

// Encodes with the reference tools; returns the blobs (hex) and the sha256 of the input pixels.
const PY_ENCODE = String.raw`
import sys, json, hashlib
import numpy as np, bitshuffle, lz4.block
rng = np.random.default_rng(1234)
out = []
for dtype, n, block in [('uint8', 1003, 0), ('uint16', 9999, 0), ('uint32', 4099, 0), ('uint16', 777, 64), ('uint32', 20000, 256)]:
    dt = np.dtype(dtype)
    px = np.where(rng.random(n) < 0.3, rng.integers(0, 40, n), 0).astype(dt)
    px[::37] = np.iinfo(dt).max
    body = bitshuffle.compress_lz4(px, block).tobytes()
    # The library's default: 8192 bytes of elements, a multiple of 8, at least 128.
    bs = max(128, (8192 // dt.itemsize) // 8 * 8) if block == 0 else block
    header = (n * dt.itemsize).to_bytes(8, 'big') + (bs * dt.itemsize).to_bytes(4, 'big')
    out.append({'dtype': dtype, 'n': n, 'sha256': hashlib.sha256(px.tobytes()).hexdigest(),
                'bslz4': (header + body).hex(), 'lz4block': lz4.block.compress(px.tobytes(), store_size=False).hex()})
print(json.dumps(out))
`;

describe.skipIf(!HAVE_PY)('interoperability with the reference tools', () => {
  it('the reference decodes our bslz4, lz4 block and framed lz4 output', () => {
    const cases: { codec: FrameEncoding['codec']; dtype: PixelDtype; n: number; blockBytes?: number }[] = [];
    for (const dtype of DTYPES) {
      for (const n of [7, 8, 1001, 4096 * 3 + 5, 100_003]) {
        cases.push({ codec: 'bslz4', dtype, n });
        cases.push({ codec: 'lz4-block', dtype, n });
        cases.push({ codec: 'lz4', dtype, n });
      }
      cases.push({ codec: 'bslz4', dtype, n: 5000, blockBytes: 64 * ELEM[dtype] });
      cases.push({ codec: 'lz4', dtype, n: 5000, blockBytes: 1000 });
    }
    const blobs = cases.map((c, i) =>
      encodePixels(pixels(c.dtype, c.n, 100 + i), encodingFor(c.codec, c.dtype), { blockBytes: c.blockBytes }),
    );
    const spec = new TextEncoder().encode(JSON.stringify(cases));
    const results = runPython<Record<string, string>[]>(PY_DECODE_OURS, [spec, ...blobs]);
    cases.forEach((c, i) => {
      const want = sha256(pixels(c.dtype, c.n, 100 + i));
      const r = results[i]!;
      expect(Object.keys(r).length, JSON.stringify(c)).toBeGreaterThan(0);
      for (const [tool, got] of Object.entries(r)) expect(got, `${tool} on ${JSON.stringify(c)}`).toBe(want);
    });
  });

  it('we decode what the reference tools encode, at every CPU level', () => {
    const ref =
      runPython<{ dtype: PixelDtype; n: number; sha256: string; bslz4: string; lz4block: string }[]>(PY_ENCODE);
    const decoder = new FrameDecoder();
    for (const level of supportedCpuLevels()) {
      nativeAddon().setCpuLevel(level);
      for (const r of ref) {
        const bs = decoder.decode(Buffer.from(r.bslz4, 'hex'), encodingFor('bslz4', r.dtype), r.n, 1, r.dtype);
        expect(sha256(bs), `bslz4 ${r.dtype} ${r.n} ${level}`).toBe(r.sha256);
        const lz = decoder.decode(Buffer.from(r.lz4block, 'hex'), encodingFor('lz4-block', r.dtype), r.n, 1, r.dtype);
        expect(sha256(lz), `lz4 ${r.dtype} ${r.n}`).toBe(r.sha256);
      }
    }
  });
});
