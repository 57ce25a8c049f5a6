// Hostile and mistaken input through the JavaScript API: each case is refused with its own error
// code and a message naming the problem, and the process carries on decoding afterwards.
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import { encodePixels } from '../src/codec/FrameEncoder.js';
import { parseV1Encoding, v2Encoding } from '../src/codec/encodings.js';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { nativeAddon } from '../src/native/addon.js';

const codec = nativeCodec();
const KNOWN_CODES = ['ERR_TRUNCATED', 'ERR_SIZE_MISMATCH', 'ERR_LZ4_CORRUPT', 'ERR_BAD_HEADER', 'ERR_TRAILING_DATA'];

function header(total: bigint, block: number): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setBigUint64(0, total);
  v.setUint32(8, block);
  return h;
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** A bslz4 frame of 64 uint8 pixels (block 64 bytes) whose one block holds `lz4`. */
const bslz4With = (lz4: number[]) => concat(header(64n, 64), be32(lz4.length), lz4);

function caught(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  throw new Error('expected an error');
}

const decodeBs =
  (src: Uint8Array, elem = 1, dstBytes = 64) =>
  () =>
    codec.decodeInto(src, 3, elem, new Uint8Array(dstBytes));

const CASES: [string, () => unknown, string, RegExp][] = [
  ['header cut off', decodeBs(new Uint8Array(5)), 'ERR_TRUNCATED', /bslz4 header: need 12 bytes, got 5/],
  [
    'header claims 100 GB',
    decodeBs(header(100_000_000_000n, 8192)),
    'ERR_BAD_HEADER',
    /claims 100000000000 decoded bytes/,
  ],
  [
    'total differs from the frame size',
    decodeBs(concat(header(128n, 64)), 1, 64),
    'ERR_SIZE_MISMATCH',
    /says 128 decoded bytes, but the frame needs 64/,
  ],
  ['block size 0', decodeBs(header(64n, 0)), 'ERR_BAD_HEADER', /block size is 0/],
  [
    'block size not a multiple of 8 elements',
    decodeBs(header(64n, 100), 2),
    'ERR_BAD_HEADER',
    /block size 100 bytes is not a multiple of 8 elements of 2 bytes/,
  ],
  ['absurd block size', decodeBs(header(64n, 0x7fffffff + 1)), 'ERR_BAD_HEADER', /block size 2147483648 bytes exceeds/],
  [
    'compressed length beyond the data',
    decodeBs(concat(header(64n, 64), be32(9000), [1, 2, 3])),
    'ERR_TRUNCATED',
    /bslz4 block 0: compressed length 9000 exceeds remaining 3 bytes/,
  ],
  ['match offset 0', decodeBs(bslz4With([0x10, 97, 0, 0])), 'ERR_LZ4_CORRUPT', /bslz4 block 0: LZ4 match offset 0/],
  [
    'match offset before the output start',
    decodeBs(bslz4With([0x10, 97, 9, 0, 0])),
    'ERR_LZ4_CORRUPT',
    /offset 9 at output offset 1 reaches before the start/,
  ],
  [
    'literal run past the input end',
    decodeBs(bslz4With([0x50, 1, 2])),
    'ERR_TRUNCATED',
    /literal run of 5 bytes .* past the end of the 3-byte input/,
  ],
  [
    'literal run past the output end',
    decodeBs(bslz4With([0xf0, 65, ...new Array<number>(80).fill(7)])),
    'ERR_LZ4_CORRUPT',
    /literal run of 80 bytes .* past the end of the 64-byte output/,
  ],
  [
    'match past the output end',
    decodeBs(bslz4With([0x1f, 97, 1, 0, 200, 0])),
    'ERR_LZ4_CORRUPT',
    /match of 219 bytes .* past the end of the 64-byte output/,
  ],
  ['block decodes short', decodeBs(bslz4With([0x30, 1, 2, 3])), 'ERR_LZ4_CORRUPT', /decoded 3 bytes, expected 64/],
  [
    'bare lz4 block decodes short',
    () => codec.decodeInto(Uint8Array.from([0x30, 1, 2, 3]), 1, 1, new Uint8Array(64)),
    'ERR_SIZE_MISMATCH',
    /lz4 block decoded to 3 bytes, but the frame needs 64/,
  ],
  [
    'raw size differs',
    () => codec.decodeInto(new Uint8Array(10), 0, 1, new Uint8Array(12)),
    'ERR_SIZE_MISMATCH',
    /raw frame has 10 bytes, but the frame needs 12/,
  ],
  [
    'unknown codec',
    () => codec.decodeInto(new Uint8Array(4), 9 as 0, 1, new Uint8Array(4)),
    'ERR_INVALID_ARG',
    /unknown codec 9/,
  ],
  [
    'element size 3',
    () => codec.decodeInto(new Uint8Array(6), 0, 3, new Uint8Array(6)),
    'ERR_INVALID_ARG',
    /elemSize 3 is not 1, 2 or 4/,
  ],
  [
    'src not bytes',
    () => codec.decodeInto('abc' as unknown as Uint8Array, 0, 1, new Uint8Array(3)),
    'ERR_INVALID_ARG',
    /src must be a Buffer/,
  ],
  [
    'overlapping src and dst',
    () => {
      const b = new Uint8Array(16);
      return codec.decodeInto(b.subarray(0, 8), 0, 1, b.subarray(4, 12));
    },
    'ERR_INVALID_ARG',
    /overlap/,
  ],
  [
    'unknown CPU level',
    () => nativeAddon().setCpuLevel('neon' as 'avx2'),
    'ERR_INVALID_ARG',
    /unknown CPU level "neon"/,
  ],
];

describe('hostile input', () => {
  for (const [name, fn, code, message] of CASES) {
    it(`${name}: ${code}`, () => {
      const err = caught(fn);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    });
  }

  const pixels = new Uint16Array(20_011).map((_, i) => (i % 17 === 0 ? 0xffff : i % 5));
  const enc = parseV1Encoding('bs16-lz4<', 'uint16');
  const blob = encodePixels(pixels, enc);

  it('trailing garbage after a complete frame is refused', () => {
    const err = caught(() => new FrameDecoder().decode(concat(blob, [1, 2, 3]), enc, 20_011, 1, 'uint16'));
    expect(err.code).toBe('ERR_TRAILING_DATA');
    expect(err.message).toMatch(/3 bytes of trailing data/);
  });

  it('a too small or too large output is refused', () => {
    expect(caught(() => codec.decodeInto(blob, 3, 2, new Uint16Array(20_010))).code).toBe('ERR_SIZE_MISMATCH');
    expect(caught(() => codec.decodeInto(blob, 3, 2, new Uint16Array(20_012))).code).toBe('ERR_SIZE_MISMATCH');
    expect(caught(() => new FrameDecoder().decode(blob, enc, 20_012, 1, 'uint16')).message).toMatch(
      /40022 decoded bytes, but the frame needs 40024/,
    );
    expect(caught(() => codec.decodeInto(blob, 3, 2, new Uint8Array(40_021))).code).toBe('ERR_INVALID_ARG');
  });

  it('an encoding whose element size disagrees with the dtype is refused before decoding', () => {
    expect(caught(() => new FrameDecoder().decode(blob, enc, 10_005, 1, 'uint32')).code).toBe('ERR_INVALID_ARG');
  });

  it('every truncation and many corruptions of a valid frame give a known error or valid pixels', () => {
    const decoder = new FrameDecoder();
    for (const [e, data] of [
      [enc, blob],
      [v2Encoding('lz4', 2), encodePixels(pixels, v2Encoding('lz4', 2), { blockBytes: 4096 })],
    ] as const) {
      for (let cut = 0; cut < data.length; cut += 1 + (cut >> 4)) {
        const err = caught(() => decoder.decode(data.subarray(0, cut), e, 20_011, 1, 'uint16'));
        expect(KNOWN_CODES, `cut at ${cut}: ${err.message}`).toContain(err.code);
      }
      const copy = Uint8Array.from(data);
      let seed = 7;
      for (let k = 0; k < 3000; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const i = seed % copy.length;
        const old = copy[i]!;
        copy[i] = old ^ (1 << ((seed >>> 16) & 7));
        try {
          decoder.decode(copy, e, 20_011, 1, 'uint16');
        } catch (err) {
          expect(KNOWN_CODES).toContain((err as { code?: string }).code);
        }
        copy[i] = old;
      }
    }
    // Still decoding fine afterwards.
    expect(Array.from(new FrameDecoder().decode(blob, enc, 20_011, 1, 'uint16').subarray(0, 20))).toEqual(
      Array.from(pixels.subarray(0, 20)),
    );
  });

  it('decodedSize validates the header and reports sizes', () => {
    expect(codec.decodedSize(blob, 3, 2)).toBe(40_022);
    expect(codec.decodedSize(new Uint8Array(33), 0, 1)).toBe(33);
    expect(codec.decodedSize(new Uint8Array(33), 1, 1)).toBe(-1);
    expect(caught(() => codec.decodedSize(header(100_000_000_000n, 8192), 3, 2)).code).toBe('ERR_BAD_HEADER');
    expect(caught(() => codec.decodedSize(new Uint8Array(4), 2, 1)).code).toBe('ERR_TRUNCATED');
    expect(
      new FrameDecoder().headerTotalBytes(Uint8Array.from([0x30, 1, 2, 3]), parseV1Encoding('lz4<', 'uint8')),
    ).toBeNull();
  });
});
