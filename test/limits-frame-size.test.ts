// Sizes announced by the stream are bounded: a tiny message announcing a multi-GB frame is refused
// by the receiver (counted as frame-too-large) and by the FrameDecoder (before it allocates), and a
// decode that fails after growing the decoder's buffer gives the growth back.
import { Tag } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import { MAX_FRAME_PIXELS } from '../src/codec/limits.js';
import { encodePixels } from '../src/codec/FrameEncoder.js';
import { v2Encoding } from '../src/codec/encodings.js';
import { json } from './helpers/captures.js';
import { exchange, framesOf } from './helpers/pushPeer.js';
import {
  channel1,
  goodSeries,
  imageMessage,
  multiDim,
  pixels,
  startMessage,
  typedArray,
} from './helpers/v2Messages.js';

/** A bslz4/lz4 blob that is only the 12-byte header (u64 BE total, u32 BE block size) plus `tail` bytes. */
function framedHeaderOnly(totalBytes: number, tail = 0): Uint8Array {
  const out = new Uint8Array(12 + tail);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(totalBytes / 2 ** 32), false);
  view.setUint32(4, totalBytes % 2 ** 32, false);
  view.setUint32(8, 8192, false);
  return out;
}

function caught(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw');
}

describe('FrameDecoder size limit', () => {
  const bslz4u32 = v2Encoding('bslz4', 4);

  it('refuses a frame above MAX_FRAME_PIXELS with ERR_INVALID_ARG naming the size, before allocating', () => {
    const d = new FrameDecoder();
    // 30000 x 30000 uint32: header and shape agree on 3.6 GB.
    const err = caught(() => d.decode(framedHeaderOnly(30000 * 30000 * 4), bslz4u32, 30000, 30000, 'uint32'));
    expect(err.code).toBe('ERR_INVALID_ARG');
    expect(err.message).toMatch(
      /frame of 3600000000 bytes refused: 30000x30000 = 900000000 pixels exceeds the limit of 67108864/,
    );
    expect(d.capacity).toBe(0);
  });

  it('accepts exactly MAX_FRAME_PIXELS as far as the size check goes', () => {
    const d = new FrameDecoder();
    // 8192 x 8192 uint8 = the limit: not refused for its size; it fails later because the blob is truncated.
    const err = caught(() => d.decode(framedHeaderOnly(MAX_FRAME_PIXELS), v2Encoding('bslz4', 1), 8192, 8192, 'uint8'));
    expect(err.code).not.toBe('ERR_INVALID_ARG');
    expect(err.code).toBe('ERR_TRUNCATED');
  });

  it('does not grow when the announced size disagrees with the shape', () => {
    const d = new FrameDecoder();
    const err = caught(() => d.decode(framedHeaderOnly(2048 * 2048 * 4 + 4), bslz4u32, 2048, 2048, 'uint32'));
    expect(err.code).toBe('ERR_SIZE_MISMATCH');
    expect(err.message).toMatch(/bslz4 header says 16777220 decoded bytes, but the frame needs 16777216/);
    expect(d.capacity).toBe(0);
  });

  it('gives back a buffer grown for a frame that then failed to decode, and keeps decoding', () => {
    const d = new FrameDecoder();
    const small = pixels(Uint32Array, 64 * 32, 3);
    const blob = encodePixels(small, bslz4u32);
    expect(Array.from(d.decode(blob, bslz4u32, 64, 32, 'uint32'))).toEqual(Array.from(small));
    expect(d.capacity).toBe(64 * 32 * 4);
    // Header and shape agree on 4096 x 4096 x 4 B = 64 MiB, but no block follows.
    const err = caught(() => d.decode(framedHeaderOnly(4096 * 4096 * 4, 2), bslz4u32, 4096, 4096, 'uint32'));
    expect(err.code).toBe('ERR_TRUNCATED');
    expect(d.capacity).toBe(64 * 32 * 4);
    expect(Array.from(d.decode(blob, bslz4u32, 64, 32, 'uint32'))).toEqual(Array.from(small));
  });
});

describe('receiver V2 size limit', () => {
  const W = 40;
  const H = 30;
  const { start, good, end } = goodSeries(W, H);

  it('a tiny bslz4 image whose header and shape agree on 3.6 GB is skipped as frame-too-large', async () => {
    const huge = new Tag(new Tag(['bslz4', 4, framedHeaderOnly(30000 * 30000 * 4, 4)], 56500), 70);
    const bad = imageMessage({ imageId: 0, data: { threshold_1: multiDim(30000, 30000, huge) } });
    expect(bad.byteLength).toBeLessThan(1000);
    const x = await exchange([start, bad, good, end]);
    expect(x.stats.errors['frame-too-large']).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]).toMatchObject({ level: 'warn', fields: { reason: 'frame-too-large' } });
    expect(x.log.problems[0]!.message).toMatch(
      /V2 image 0 channel threshold_1 \(tag 40 \[rows, cols\]\): shape 30000x30000 = 900000000 pixels exceeds the limit of 67108864/,
    );
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });

  it('a frame of exactly MAX_FRAME_PIXELS passes the receiver', async () => {
    const s = startMessage({ width: 8192, height: 8192, extra: { image_dtype: 'uint8' } });
    const atLimit = new Tag(new Tag(['bslz4', 1, framedHeaderOnly(MAX_FRAME_PIXELS, 4)], 56500), 64);
    const msg = imageMessage({ imageId: 0, data: { threshold_1: multiDim(8192, 8192, atLimit) } });
    const x = await exchange([s, msg, end]);
    expect(x.stats.errorTotal).toBe(0);
    expect(framesOf(x.events).map((f) => [f.width, f.height])).toEqual([[8192, 8192]]);
  });

  it('a start message announcing a detector above the limit is refused', async () => {
    const bad = startMessage({ width: 100_000, height: 100_000 });
    const x = await exchange([bad, start, good, end]);
    expect(x.stats.errors['frame-too-large']).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]!.message).toMatch(
      /V2 start message image_size_x\/y: shape 100000x100000 = 10000000000 pixels exceeds/,
    );
    expect(x.stats.series).toBe(1);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });

  it('a header pixel mask above the limit is dropped (header-array, cause frame-too-large), the header kept', async () => {
    const mask = multiDim(
      20000,
      20000,
      new Tag(new Tag(['bslz4', 4, framedHeaderOnly(20000 * 20000 * 4, 4)], 56500), 70),
    );
    const s = startMessage({ width: W, height: H, extra: { pixel_mask: { threshold_1: mask } } });
    const x = await exchange([s, good, end]);
    expect(x.stats.errors['header-array']).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]).toMatchObject({ fields: { reason: 'header-array', cause: 'frame-too-large' } });
    expect(x.log.problems[0]!.message).toMatch(
      /pixel_mask\[threshold_1\] \(tag 40 \[rows, cols\]\): shape 20000x20000 = 400000000 pixels exceeds .*array ignored, header kept/,
    );
    expect(x.events[0]).toMatchObject({ type: 'series-start', pixelMask: {} });
    expect(framesOf(x.events)).toHaveLength(1);
  });

  it('header masks of other shapes than the image, or of channels the image lacks, are dropped before decoding', async () => {
    // A small message could otherwise make the receiver decode and hold large arrays nobody uses.
    const huge = multiDim(8192, 8192, new Tag(new Tag(['bslz4', 4, framedHeaderOnly(8192 * 8192 * 4, 4)], 56500), 70));
    const right = multiDim(H, W, typedArray(new Uint32Array(W * H).fill(1)));
    const s = startMessage({
      width: W,
      height: H,
      extra: { pixel_mask: { threshold_1: right, threshold_9: right, threshold_2: huge } },
    });
    const x = await exchange([s, good, end]);
    expect(x.stats.errors['header-array']).toBe(2);
    const messages = x.log.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/pixel_mask\[threshold_9\]: not one of the image's channels \(threshold_1\); ignored/);
    expect(messages).toMatch(/pixel_mask\[threshold_2\]: not one of the image's channels/);
    const start = x.events[0] as { pixelMask: Record<string, Uint32Array> };
    expect(Object.keys(start.pixelMask)).toEqual(['threshold_1']);
    const wrongShape = startMessage({ width: W, height: H, extra: { pixel_mask: { threshold_1: huge } } });
    const y = await exchange([wrongShape, good, end]);
    expect(y.log.problems[0]!.message).toMatch(
      /pixel_mask\[threshold_1\]: shape 8192x8192 is not the image's 30x40; ignored/,
    );
    expect(framesOf(y.events)).toHaveLength(1);
  });

  it('a 1-D compressed header array announcing more elements than the limit is dropped before decoding', async () => {
    const table = new Tag(new Tag(['bslz4', 4, framedHeaderOnly((MAX_FRAME_PIXELS + 1) * 4, 4)], 56500), 85);
    const s = startMessage({ width: W, height: H, extra: { countrate_correction_lookup_table: table } });
    const x = await exchange([s, good, end]);
    expect(x.stats.errors['header-array']).toBe(1);
    expect(x.log.problems[0]).toMatchObject({ fields: { reason: 'header-array', cause: 'frame-too-large' } });
    expect(x.log.problems[0]!.message).toMatch(/67108865 elements, above the limit of 67108864/);
    expect(x.events[0]).toMatchObject({ type: 'series-start', countrateTable: null });
  });
});

describe('receiver V1 size limit (synthetic messages)', () => {
  const header = (x: number, y: number) => [
    json({ htype: 'dheader-1.0', series: 1, header_detail: 'basic' }),
    json({ x_pixels_in_detector: x, y_pixels_in_detector: y, count_time: 0.001 }),
  ];
  const image = (frame: number, shape: [number, number], blob: Uint8Array) => [
    json({ htype: 'dimage-1.0', series: 1, frame, hash: '' }),
    json({ htype: 'dimage_d-1.0', shape, type: 'uint32', encoding: 'bs32-lz4<', size: blob.byteLength }),
    blob,
    json({ htype: 'dconfig-1.0', start_time: 0, stop_time: 50000, real_time: 50000 }),
  ];
  const goodPixels = pixels(Uint32Array, 32 * 16, 5);
  const goodBlob = encodePixels(goodPixels, { codec: 'bslz4', elemSize: 4, name: 'bs32-lz4<' });
  const end = [json({ htype: 'dseries_end-1.0', series: 1 })];

  it('a tiny image whose bslz4 header and shape agree on 1.6 GB is skipped as frame-too-large', async () => {
    const bad = image(0, [20000, 20000], framedHeaderOnly(20000 * 20000 * 4, 4));
    const x = await exchange([header(32, 16), bad, image(1, [32, 16], goodBlob), end]);
    expect(x.stats.errors['frame-too-large']).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]!.message).toMatch(
      /V1 image 0: shape 20000x20000 = 400000000 pixels exceeds the limit of 67108864/,
    );
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });

  it('a header announcing a detector above the limit is refused', async () => {
    const x = await exchange([header(100_000, 100_000), header(32, 16), image(1, [32, 16], goodBlob), end]);
    expect(x.stats.errors['frame-too-large']).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]!.message).toMatch(/V1 header x\/y_pixels_in_detector: shape 100000x100000/);
    expect(x.stats.series).toBe(1);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });
});

describe('frame, image_id and series numbers must be safe non-negative integers', () => {
  const v1Header = [
    json({ htype: 'dheader-1.0', series: 1, header_detail: 'basic' }),
    json({ x_pixels_in_detector: 32, y_pixels_in_detector: 16 }),
  ];
  const blob = encodePixels(pixels(Uint32Array, 32 * 16, 5), { codec: 'bslz4', elemSize: 4, name: 'bs32-lz4<' });
  /** A V1 image whose first part is written verbatim (so numbers beyond 2^53 reach JSON.parse as text). */
  const v1Image = (firstPart: string) => [
    Buffer.from(firstPart),
    json({ htype: 'dimage_d-1.0', shape: [32, 16], type: 'uint32', encoding: 'bs32-lz4<', size: blob.byteLength }),
    blob,
    json({ htype: 'dconfig-1.0', start_time: 0, stop_time: 50000, real_time: 50000 }),
  ];
  const v1Good = v1Image('{"htype":"dimage-1.0","series":1,"frame":1}');
  const v1End = [json({ htype: 'dseries_end-1.0', series: 1 })];

  it.each([
    [
      'frame above 2^53',
      '{"htype":"dimage-1.0","series":1,"frame":9007199254740993}',
      /"frame" must be an integer >= 0, got 9007199254740992/,
    ],
    ['negative frame', '{"htype":"dimage-1.0","series":1,"frame":-1}', /"frame" must be an integer >= 0, got -1/],
    [
      'series above 2^53',
      '{"htype":"dimage-1.0","series":1e300,"frame":0}',
      /"series" must be an integer >= 0, got 1e\+300/,
    ],
    ['negative series', '{"htype":"dimage-1.0","series":-1,"frame":0}', /"series" must be an integer >= 0, got -1/],
  ])('V1: %s is a counted bad-field', async (_name, first, message) => {
    const x = await exchange([v1Header, v1Image(first), v1Good, v1End]);
    expect(x.stats.errors['bad-field']).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]!.message).toMatch(message);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });

  const v2 = goodSeries(40, 30, null);
  const data = channel1(30, 40, v2.img);

  it.each([
    [
      'image_id above 2^53',
      { image_id: 2n ** 60n },
      'malformed-cbor',
      /integer 1152921504606846976 does not fit a safe JS number/,
    ],
    ['negative image_id', { image_id: -5 }, 'bad-field', /"image_id" must be an integer >= 0, got -5/],
    [
      'series_id above 2^53',
      { series_id: 2n ** 53n + 1n },
      'malformed-cbor',
      /integer 9007199254740993 does not fit a safe JS number/,
    ],
    ['negative series_id', { series_id: -7 }, 'bad-field', /"series_id" must be an integer >= 0, got -7/],
  ] as const)('V2: %s is a counted error', async (_name, extra, reason, message) => {
    const x = await exchange([v2.start, imageMessage({ imageId: 0, data, extra }), v2.good, v2.end]);
    expect(x.stats.errors[reason]).toBe(1);
    expect(x.stats.errorTotal).toBe(1);
    expect(x.log.problems[0]!.message).toMatch(message);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });
});
