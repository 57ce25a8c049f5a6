// Synthetic Stream V2 messages (cbor-x encoder, explicit tags) through real sockets: prefix or not,
// any key order, typed arrays in both byte orders, plain and compressed arrays, several channels,
// distance from detector_translation, header_detail basic.
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import type { Frame } from '../src/receiver/events.js';
import { StreamDecoder } from '../src/receiver/StreamDecoder.js';
import { exchange, framesOf, RecordingLogger, seriesStartOf } from './helpers/pushPeer.js';
import {
  channel1,
  type Compression,
  encodeMessage,
  type Endian,
  endMessage,
  imageMessage,
  multiDim,
  pixels,
  startFields,
  startMessage,
  typedArray,
} from './helpers/v2Messages.js';

const W = 67; // odd sizes: exercise bitshuffle's leftover elements and unaligned offsets
const H = 45;
const N = W * H;

describe('V2 framing', () => {
  it('accepts messages without the d9d9f7 prefix and with shuffled key order', async () => {
    const img = pixels(Uint16Array, N, 1);
    const messages = [
      startMessage({ width: W, height: H }, { prefix: false, shuffleSeed: 11 }),
      imageMessage(
        { imageId: 0, data: channel1(H, W, img) },
        {
          prefix: false,
          shuffleSeed: 12,
        },
      ),
      imageMessage(
        { imageId: 1, data: channel1(H, W, img) },
        {
          shuffleSeed: 13,
        },
      ),
      endMessage({ prefix: false, shuffleSeed: 14 }),
    ];
    // The shuffle really moved "type" away from the front of at least the start message.
    expect(messages[0]!.subarray(1, 6).toString('latin1')).not.toContain('type');
    const { events, stats, log } = await exchange(messages);
    expect(log.problems).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['series-start', 'frame', 'frame', 'series-end']);
    expect(framesOf(events).map((f) => f.frame)).toEqual([0, 1]);
    expect(events[3]).toMatchObject({ complete: true, framesReceived: 2 });
    expect(stats.errorTotal).toBe(0);
  });

  it('reads start fields, derives distance from detector_translation and times from rationals', async () => {
    const img = pixels(Uint16Array, N, 2);
    const { events } = await exchange([
      startMessage({ width: W, height: H }),
      imageMessage({ imageId: 3, data: channel1(H, W, img) }),
    ]);
    const s = seriesStartOf(events);
    expect(s).toMatchObject({
      series: 7,
      seriesUniqueId: '01TESTSERIES0000000000000A',
      width: W,
      height: H,
      dtype: 'uint16',
      beamCenterX: 1024.5,
      beamCenterY: 1100.25,
      detectorDistance: 0.25,
      wavelength: 1.0,
      photonEnergy: 12398.4198,
      numberOfImages: 5,
      saturationValue: 40000,
      headerDetail: 'basic',
      userData: { sample: 'lysozyme' },
      goniometer: { omega: { start: 10, increment: 0.5 } },
    });
    expect(s.config['arm_date']).toBe('2024-05-01T12:00:00.000+00:00');
    const f = framesOf(events)[0]!;
    expect(f.startTime).toBeCloseTo((3 * 55_000) / 50e6, 15);
    expect(f.stopTime).toBeCloseTo((3 * 55_000 + 50_000) / 50e6, 15);
    expect(f.realTime).toBeCloseTo(0.001, 15);
    // The receiver closed with the series still open.
    expect(events.at(-1)).toMatchObject({ type: 'series-end', complete: false, framesReceived: 1 });
  });

  it('takes the configured distance when detector_translation is absent, null when neither is known', async () => {
    const withFallback = await exchange([startMessage({ width: W, height: H, omit: ['detector_translation'] })], {
      detectorDistance: 0.3,
    });
    expect(seriesStartOf(withFallback.events).detectorDistance).toBe(0.3);
    const without = await exchange([startMessage({ width: W, height: H, omit: ['detector_translation'] })]);
    expect(seriesStartOf(without.events).detectorDistance).toBeNull();
  });

  it('derives the wavelength from the energy and the energy from the wavelength', async () => {
    const a = await exchange([
      startMessage({ width: W, height: H, omit: ['incident_wavelength'], extra: { incident_energy: 12000 } }),
    ]);
    expect(seriesStartOf(a.events).wavelength).toBeCloseTo(12398.4198 / 12000, 12);
    const b = await exchange([
      startMessage({ width: W, height: H, omit: ['incident_energy'], extra: { incident_wavelength: 0.8 } }),
    ]);
    expect(seriesStartOf(b.events).photonEnergy).toBeCloseTo(12398.4198 / 0.8, 9);
  });
});

describe('V2 typed arrays in the start message (header_detail all)', () => {
  for (const endian of ['le', 'be'] as Endian[]) {
    it(`reads pixel mask (u32 and u16) and flatfield (f32) sent ${endian.toUpperCase()}, and the countrate table`, async () => {
      const mask32 = pixels(Uint32Array, N, 3, 2 ** 31);
      const mask16 = pixels(Uint16Array, N, 4, 60000);
      const flat = Float32Array.from(pixels(Uint32Array, N, 5), (v) => 1 + v / 997);
      const table = Float32Array.from({ length: 2 * 50 }, (_, i) => i * 0.25);
      const fields = startFields({
        width: W,
        height: H,
        channels: ['threshold_1', 'threshold_2'],
        extra: {
          pixel_mask: {
            threshold_1: multiDim(H, W, typedArray(mask32, { endian })),
            threshold_2: multiDim(H, W, typedArray(mask16, { endian })),
          },
          flatfield: channel1(H, W, flat, { endian }),
          countrate_correction_lookup_table: typedArray(table, { endian }),
        },
      });
      const { events, log } = await exchange([encodeMessage(fields), endMessage()]);
      expect(log.problems).toEqual([]);
      const s = seriesStartOf(events);
      expect(s.headerDetail).toBe('all');
      expect(s.pixelMask['threshold_1']).toBeInstanceOf(Uint32Array);
      expect(s.pixelMask['threshold_1']).toEqual(mask32);
      expect(s.pixelMask['threshold_2']).toEqual(Uint32Array.from(mask16)); // widened to uint32
      expect(s.flatfield['threshold_1']).toBeInstanceOf(Float32Array);
      expect(s.flatfield['threshold_1']).toEqual(flat);
      expect(s.countrateTable).toEqual(table);
    });
  }

  it('decompresses a bslz4 pixel mask and an lz4 flatfield with the codec', async () => {
    const mask = pixels(Uint32Array, N, 6, 20);
    const flat = Float32Array.from(pixels(Uint32Array, N, 7), (v) => 0.9 + v / 10000);
    const fields = startFields({
      width: W,
      height: H,
      extra: {
        pixel_mask: channel1(H, W, mask, { compression: 'bslz4' }),
        flatfield: channel1(H, W, flat, { compression: 'lz4' }),
      },
    });
    const { events, log } = await exchange([encodeMessage(fields), endMessage()]);
    expect(log.problems).toEqual([]);
    expect(seriesStartOf(events).pixelMask['threshold_1']).toEqual(mask);
    expect(seriesStartOf(events).flatfield['threshold_1']).toEqual(flat);
  });

  it('header_detail basic: no arrays, headerDetail "basic"', async () => {
    const { events } = await exchange([startMessage({ width: W, height: H })]);
    const s = seriesStartOf(events);
    expect(s.headerDetail).toBe('basic');
    expect(s.pixelMask).toEqual({});
    expect(s.flatfield).toEqual({});
    expect(s.countrateTable).toBeNull();
  });
});

describe('V2 frames', () => {
  const cases: Array<{
    name: string;
    make: () => Uint8Array | Uint16Array | Uint32Array;
    endian: Endian;
    compression: Compression;
  }> = [
    { name: 'u8 plain', make: () => pixels(Uint8Array, N, 8, 255), endian: 'le', compression: null },
    { name: 'u16 plain LE', make: () => pixels(Uint16Array, N, 9, 65535), endian: 'le', compression: null },
    { name: 'u16 plain BE', make: () => pixels(Uint16Array, N, 10, 65535), endian: 'be', compression: null },
    { name: 'u32 plain LE', make: () => pixels(Uint32Array, N, 11, 2 ** 32), endian: 'le', compression: null },
    { name: 'u32 plain BE', make: () => pixels(Uint32Array, N, 12, 2 ** 32), endian: 'be', compression: null },
    { name: 'u16 bslz4', make: () => pixels(Uint16Array, N, 13), endian: 'le', compression: 'bslz4' },
    { name: 'u32 bslz4', make: () => pixels(Uint32Array, N, 14), endian: 'le', compression: 'bslz4' },
    { name: 'u8 bslz4', make: () => pixels(Uint8Array, N, 15, 200), endian: 'le', compression: 'bslz4' },
    { name: 'u16 lz4', make: () => pixels(Uint16Array, N, 16), endian: 'le', compression: 'lz4' },
    { name: 'u32 lz4', make: () => pixels(Uint32Array, N, 17), endian: 'le', compression: 'lz4' },
  ];
  const decoder = new FrameDecoder();

  it.each(cases)('$name: the frame decodes to the pixels that were sent', async ({ make, endian, compression }) => {
    const img = make();
    const { events, log } = await exchange([
      startMessage({ width: W, height: H }),
      imageMessage({ imageId: 0, data: channel1(H, W, img, { endian, compression }) }),
      endMessage(),
    ]);
    expect(log.problems).toEqual([]);
    const f = framesOf(events)[0]!;
    expect(f).toMatchObject({ width: W, height: H, dtype: `uint${img.BYTES_PER_ELEMENT * 8}` });
    expect(f.encoding.codec).toBe(compression ?? 'raw');
    expect(decoder.decodeFrame(f)).toEqual(img);
  });

  it('two channels: one Frame per channel, in message order, each with its own pixels', async () => {
    const a = pixels(Uint16Array, N, 18);
    const b = pixels(Uint16Array, N, 19);
    const { events } = await exchange([
      startMessage({ width: W, height: H, channels: ['threshold_1', 'threshold_2'] }),
      imageMessage({
        imageId: 0,
        data: {
          threshold_1: multiDim(H, W, typedArray(a, { compression: 'bslz4' })),
          threshold_2: multiDim(H, W, typedArray(b, { compression: 'bslz4' })),
        },
      }),
      endMessage(),
    ]);
    expect(seriesStartOf(events).channels).toEqual(['threshold_1', 'threshold_2']);
    const fs = framesOf(events);
    expect(fs.map((f) => [f.frame, f.channel])).toEqual([
      [0, 'threshold_1'],
      [0, 'threshold_2'],
    ]);
    expect(decoder.decodeFrame(fs[0]!)).toEqual(a);
    expect(decoder.decodeFrame(fs[1]!)).toEqual(b);
    expect(events.at(-1)).toMatchObject({ type: 'series-end', complete: true, framesReceived: 1 });
  });

  it('Frame.data is a view into the received message, not a copy', () => {
    const dec = new StreamDecoder({ logger: new RecordingLogger() });
    dec.decodeMessage([startMessage({ width: W, height: H })]);
    for (const compression of [null, 'bslz4'] as Compression[]) {
      const msg = imageMessage({
        imageId: 0,
        data: channel1(H, W, pixels(Uint16Array, N, 20), { compression }),
      });
      const [f] = dec.decodeMessage([msg]) as Frame[];
      expect(f!.data.buffer).toBe(msg.buffer);
      expect(f!.data.byteOffset).toBeGreaterThan(msg.byteOffset);
      expect(f!.data.byteOffset + f!.data.byteLength).toBeLessThanOrEqual(msg.byteOffset + msg.byteLength);
    }
  });
});
