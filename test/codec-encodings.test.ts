// Encoding names (V1 strings, V2 compression tags) -> codec, element size, native codec number.
import { describe, expect, it } from 'vitest';
import { codecId, decodedByteLength, elemSizeOf, parseV1Encoding, v2Encoding } from '../src/codec/encodings.js';

describe('parseV1Encoding', () => {
  it('maps the V1 encoding strings onto codecs', () => {
    expect(parseV1Encoding('<', 'uint16')).toEqual({ codec: 'raw', elemSize: 2, name: '<' });
    expect(parseV1Encoding('lz4<', 'uint32')).toEqual({ codec: 'lz4-block', elemSize: 4, name: 'lz4<' });
    expect(parseV1Encoding('bs8-lz4<', 'uint8')).toEqual({ codec: 'bslz4', elemSize: 1, name: 'bs8-lz4<' });
    expect(parseV1Encoding('bs16-lz4<', 'uint16')).toEqual({ codec: 'bslz4', elemSize: 2, name: 'bs16-lz4<' });
    expect(parseV1Encoding('bs32-lz4<', 'uint32')).toEqual({ codec: 'bslz4', elemSize: 4, name: 'bs32-lz4<' });
  });

  it('refuses a bitshuffle element size that disagrees with the dtype', () => {
    expect(() => parseV1Encoding('bs16-lz4<', 'uint32')).toThrow(/bs16-lz4<.*16 bits.*uint32/);
    expect(() => parseV1Encoding('bs32-lz4<', 'uint8')).toThrow(/unsupported encoding/);
  });

  it('refuses big-endian and unknown encodings with a clear error and code', () => {
    for (const name of ['>', 'lz4>', 'bs16-lz4>']) {
      expect(() => parseV1Encoding(name, 'uint16')).toThrow(/unsupported encoding .*big-endian/);
    }
    for (const name of ['', 'lz4', 'bs12-lz4<', 'bs16<', 'zstd<', 'bs16-lz4<<']) {
      let caught: unknown;
      try {
        parseV1Encoding(name, 'uint16');
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).message).toContain(`unsupported encoding ${JSON.stringify(name)}`);
      expect((caught as { code?: string }).code).toBe('ERR_UNSUPPORTED_ENCODING');
    }
  });
});

describe('v2Encoding', () => {
  it('maps the compression tag algorithms', () => {
    expect(v2Encoding('bslz4', 2)).toEqual({ codec: 'bslz4', elemSize: 2, name: 'bslz4' });
    expect(v2Encoding('lz4', 4)).toEqual({ codec: 'lz4', elemSize: 4, name: 'lz4' });
    expect(v2Encoding(null, 1)).toEqual({ codec: 'raw', elemSize: 1, name: 'raw' });
  });

  it('refuses unknown algorithms and element sizes', () => {
    expect(() => v2Encoding('zstd' as 'lz4', 2)).toThrow(/unsupported compression algorithm "zstd"/);
    expect(() => v2Encoding('bslz4', 8)).toThrow(/element size 8/);
    expect(() => v2Encoding('bslz4', 3)).toThrow(/element size 3/);
  });
});

describe('codec numbers and sizes', () => {
  it('numbers codecs like the native decoder', () => {
    expect(codecId(parseV1Encoding('<', 'uint8'))).toBe(0);
    expect(codecId(parseV1Encoding('lz4<', 'uint8'))).toBe(1);
    expect(codecId(v2Encoding('lz4', 2))).toBe(2);
    expect(codecId(v2Encoding('bslz4', 2))).toBe(3);
  });

  it('computes element and frame sizes, refusing nonsense dimensions', () => {
    expect([elemSizeOf('uint8'), elemSizeOf('uint16'), elemSizeOf('uint32')]).toEqual([1, 2, 4]);
    expect(decodedByteLength(4148, 4362, 'uint16')).toBe(36_187_152);
    expect(decodedByteLength(2070, 2167, 'uint32')).toBe(17_942_760);
    expect(() => decodedByteLength(0, 10, 'uint8')).toThrow(/width must be a positive integer/);
    expect(() => decodedByteLength(10, 2.5, 'uint8')).toThrow(/height must be a positive integer/);
    expect(() => elemSizeOf('float32' as 'uint8')).toThrow(/unsupported pixel dtype "float32"/);
  });
});
