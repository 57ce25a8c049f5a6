// Every kind of bad input, through real sockets: each is skipped with a log line naming what was
// wrong and a counter, and the good frame sent after it still arrives.
import { describe, expect, it } from 'vitest';
import type { ErrorReason } from '../src/receiver/StreamError.js';
import { json, MISSING_CAPTURES, parseJson, v1Capture } from './helpers/captures.js';
import { exchange, framesOf, type Exchange } from './helpers/pushPeer.js';
import {
  channel1,
  encodeMessage,
  goodSeries,
  imageMessage,
  multiDim,
  pixels,
  startMessage,
  typedArray,
} from './helpers/v2Messages.js';
import { Tag } from 'cbor-x';
import { encodePixels } from '../src/codec/FrameEncoder.js';

const c = v1Capture();
if (!c) console.warn(MISSING_CAPTURES);

/** The one rejection in `x`: its counter is 1, it is the only one, and its log line matches. */
function expectRejected(x: Exchange, reason: ErrorReason, message: RegExp): void {
  expect(x.stats.errors[reason]).toBe(1);
  expect(x.stats.errorTotal).toBe(1);
  const warnings = x.log.problems;
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ level: 'warn', fields: { reason } });
  expect(warnings[0]!.message).toMatch(message);
}

/** A V1 image message from the capture with part `index` replaced. */
function v1ImageWith(frame: number, index: number, part: Buffer): Buffer[] {
  const parts = c!.images[frame]!.slice();
  parts[index] = part;
  return parts;
}

function v1DescWith(frame: number, changes: Record<string, unknown>): Buffer[] {
  return v1ImageWith(frame, 1, json({ ...parseJson(c!.images[frame]![1]!), ...changes }));
}

describe.skipIf(!c)('V1 bad input (real capture parts, altered)', () => {
  /** header, the bad message, then frame 1 and the end: the bad one is skipped, frame 1 arrives. */
  async function withBad(bad: Buffer[]): Promise<Exchange> {
    const x = await exchange([c!.header, bad, c!.images[1]!, c!.end]);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
    expect(x.events.at(-1)).toMatchObject({ type: 'series-end', complete: true, framesReceived: 1 });
    expect(x.stats.messages).toBe(4);
    return x;
  }

  it('a JSON part larger than any the detector sends: refused before parsing', async () => {
    const pad = '[' + Array.from({ length: 400_000 }, () => '{}').join(',') + ']';
    const part = Buffer.from(JSON.stringify({ ...parseJson(c!.images[0]![0]!) }).replace(/}$/, `,"pad":${pad}}`));
    expectRejected(
      await withBad([part, ...c!.images[0]!.slice(1)]),
      'malformed-json',
      /part 1 is \d+ bytes of JSON, more than the 1048576 accepted/,
    );
  });

  it('image before any header', async () => {
    const x = await exchange([c!.images[0]!, c!.header, c!.images[1]!, c!.end]);
    expectRejected(x, 'image-before-header', /image message for series 6 arrived while no series is open/);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });

  it('end of series before any header', async () => {
    const x = await exchange([c!.end, c!.header, c!.images[1]!, c!.end]);
    expectRejected(x, 'image-before-header', /end message for series 6 arrived while no series is open/);
  });

  it('image with a wrong series id', async () => {
    const first = { ...parseJson(c!.images[0]![0]!), series: 7 };
    expectRejected(
      await withBad(v1ImageWith(0, 0, json(first))),
      'wrong-series',
      /image message names series 7 but the open series is 6/,
    );
  });

  it('malformed JSON', async () => {
    expectRejected(
      await withBad(v1ImageWith(0, 0, Buffer.from('{"frame":0,"htype":"dimage-1.0",'))),
      'malformed-json',
      /V1 message part 1 is not valid JSON/,
    );
  });

  it('JSON that is not an object', async () => {
    expectRejected(
      await withBad(v1ImageWith(0, 1, Buffer.from('[1,2]\n'))),
      'malformed-json',
      /V1 image 0 part 2 must be a JSON object/,
    );
  });

  it('unknown htype in the first part', async () => {
    const first = { ...parseJson(c!.images[0]![0]!), htype: 'dcalibration-1.0' };
    expectRejected(await withBad(v1ImageWith(0, 0, json(first))), 'unknown-htype', /unknown htype "dcalibration-1.0"/);
  });

  it('wrong htype in the descriptor part', async () => {
    expectRejected(
      await withBad(v1DescWith(0, { htype: 'dimage-1.0' })),
      'unknown-htype',
      /V1 image 0 part 2 has htype "dimage-1.0", expected "dimage_d-1.0"/,
    );
  });

  it('unknown encoding', async () => {
    expectRejected(
      await withBad(v1DescWith(0, { encoding: 'bs16-zstd<' })),
      'unknown-encoding',
      /unsupported encoding "bs16-zstd<"/,
    );
  });

  it('bitshuffle element size disagreeing with the pixel type', async () => {
    expectRejected(
      await withBad(v1DescWith(0, { encoding: 'bs32-lz4<' })),
      'unknown-encoding',
      /32 bits does not match dtype uint16/,
    );
  });

  it('unknown pixel type', async () => {
    expectRejected(
      await withBad(v1DescWith(0, { type: 'float32' })),
      'unknown-encoding',
      /pixel type "float32" is not uint8, uint16 or uint32/,
    );
  });

  it('decoded size not matching the shape (bslz4 header checked without decompressing)', async () => {
    expectRejected(
      await withBad(v1DescWith(0, { shape: [2070, 2166] })),
      'size-mismatch',
      /bs16-lz4< header says 8971380 decoded bytes but shape 2070x2166 x 2 B needs 8967240/,
    );
  });

  it('a missing part', async () => {
    expectRejected(
      await withBad(c!.images[0]!.slice(0, 3)),
      'part-count',
      /V1 image message has 3 parts; expected 4, or 5/,
    );
  });

  it('an extra part', async () => {
    expectRejected(await withBad([...c!.images[0]!, Buffer.from('x'), Buffer.from('y')]), 'part-count', /has 6 parts/);
  });

  it('a blob whose length differs from size', async () => {
    expectRejected(
      await withBad(v1DescWith(0, { size: 1170445 })),
      'blob-size',
      /blob has 1170446 bytes but dimage_d size says 1170445/,
    );
  });

  it('a missing field', async () => {
    const { frame: _frame, ...first } = parseJson(c!.images[0]![0]!);
    expectRejected(
      await withBad(v1ImageWith(0, 0, json(first))),
      'bad-field',
      /"frame" must be an integer >= 0, got nothing/,
    );
  });

  it('a header with the wrong number of parts for its header_detail', async () => {
    const x = await exchange([c!.header.slice(0, 5), c!.header, c!.images[1]!, c!.end]);
    expectRejected(x, 'part-count', /V1 header \(header_detail all\) has 5 parts; expected 8, or 9 with an appendix/);
    expect(framesOf(x.events)).toHaveLength(1);
  });

  it('an end-of-series message for another series', async () => {
    const x = await exchange([
      c!.header,
      c!.images[0]!,
      json({ htype: 'dseries_end-1.0', series: 5 }),
      c!.images[1]!,
      c!.end,
    ]);
    expectRejected(x, 'wrong-series', /end message names series 5 but the open series is 6/);
    expect(x.events.at(-1)).toMatchObject({ type: 'series-end', complete: true, framesReceived: 2 });
  });
});

describe('V2 bad input', () => {
  const W = 40;
  const H = 30;
  const { img, start, good, end } = goodSeries(W, H);
  const image0 = (data: unknown, extra: Record<string, unknown> = {}) =>
    imageMessage({ imageId: 0, data: { threshold_1: data as Tag }, extra });

  async function withBad(bad: Buffer): Promise<Exchange> {
    const x = await exchange([start, bad, good, end]);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
    expect(x.events.at(-1)).toMatchObject({ type: 'series-end', complete: true, framesReceived: 1 });
    return x;
  }

  it('malformed CBOR (truncated message)', async () => {
    expectRejected(
      await withBad(good.subarray(0, good.length - 100)),
      'malformed-cbor',
      /V2 message of \d+ bytes is not valid CBOR: string of \d+ bytes .* runs past the end/,
    );
  });

  it('CBOR that is not a map', async () => {
    expectRejected(
      await withBad(Buffer.from([0x83, 1, 2, 3])),
      'malformed-cbor',
      /V2 message must be a CBOR map, got array/,
    );
  });

  it('unknown message type', async () => {
    expectRejected(
      await withBad(encodeMessage({ type: 'calibration', series_id: 7 })),
      'unknown-type',
      /unknown type "calibration"/,
    );
  });

  it('image before any start', async () => {
    const x = await exchange([good, start, good, end]);
    expectRejected(x, 'image-before-header', /image message for series 7 arrived while no series is open/);
  });

  it('image with another series_unique_id', async () => {
    const bad = imageMessage({ imageId: 0, uniqueId: '01OTHER', data: channel1(H, W, img) });
    expectRejected(
      await withBad(bad),
      'wrong-series',
      /names series_unique_id 01OTHER but the open series has 01TESTSERIES0000000000000A/,
    );
  });

  it('unknown compression algorithm', async () => {
    const bad = image0(multiDim(H, W, new Tag(new Tag(['zstd', 0, new Uint8Array(64)], 56500), 69)));
    expectRejected(await withBad(bad), 'unknown-encoding', /unknown compression algorithm "zstd"/);
  });

  it('bslz4 header total not matching the dimensions', async () => {
    const bad = image0(multiDim(H + 1, W, typedArray(img, { compression: 'bslz4' })));
    expectRejected(
      await withBad(bad),
      'size-mismatch',
      /bslz4 header says 2400 decoded bytes but shape 40x31 x 2 B needs 2480/,
    );
  });

  it('uncompressed bytes not matching the dimensions', async () => {
    const bad = image0(multiDim(H, W + 1, typedArray(img)));
    expectRejected(await withBad(bad), 'size-mismatch', /raw frame has 2400 bytes but shape 41x30 x 2 B needs 2460/);
  });

  it('a float image', async () => {
    const bad = image0(multiDim(H, W, typedArray(new Float32Array(W * H))));
    expectRejected(await withBad(bad), 'unknown-encoding', /typed-array tag 85 \(float32 LE\) is not an image dtype/);
  });

  it('bslz4 element size disagreeing with the typed array', async () => {
    const bad = image0(multiDim(H, W, new Tag(new Tag(['bslz4', 4, new Uint8Array(64)], 56500), 69)));
    expectRejected(
      await withBad(bad),
      'unknown-encoding',
      /bslz4 element size 4 does not match the typed array's 2-byte elements/,
    );
  });

  it('image data that is not a tag-40 array', async () => {
    expectRejected(
      await withBad(image0(new Uint8Array(10))),
      'bad-field',
      /expected a typed array \(tags 64-87\), got byte string \(10 bytes\)/,
    );
  });

  it('a message of many tiny items (each would become a JavaScript object): refused before the heap fills', async () => {
    // 150,000 empty maps in 150 kB: within the bytes, beyond the item budget.
    const n = 150_000;
    const many = Buffer.alloc(5 + n, 0xa0);
    many[0] = 0x9a;
    many.writeUInt32BE(n, 1);
    const msg = Buffer.concat([
      Buffer.from([0xa2, 0x64]),
      Buffer.from('type'),
      Buffer.from([0x65]),
      Buffer.from('image'),
      Buffer.from([0x64]),
      Buffer.from('data'),
      many,
    ]);
    expectRejected(await withBad(msg), 'malformed-cbor', /more than 100000 items in one message/);
  });

  it('a field holding megabytes where a number belongs: named in a short line, not printed whole', async () => {
    const bad = imageMessage({ imageId: 0, data: channel1(H, W, img), extra: { image_id: new Uint8Array(4 << 20) } });
    const x = await withBad(bad);
    expectRejected(x, 'bad-field', /"image_id" must be an integer >= 0, got (Buffer|Uint8Array) of 4194304 bytes/);
    expect(x.log.problems[0]!.message.length).toBeLessThan(300);
  });

  it("a bad second channel is dropped and counted, the first channel's frame kept", async () => {
    const two = startMessage({ width: W, height: H, channels: ['threshold_1', 'threshold_2'] });
    const bad = imageMessage({
      imageId: 0,
      data: {
        threshold_1: multiDim(H, W, typedArray(img, { compression: 'bslz4' })),
        threshold_2: multiDim(H, W, typedArray(new Float32Array(W * H))),
      },
    });
    const x = await exchange([two, bad, end]);
    expect(framesOf(x.events).map((f) => [f.frame, f.channel])).toEqual([[0, 'threshold_1']]);
    expect(x.stats.errors['unknown-encoding']).toBe(1);
    expect(x.log.problems[0]!.message).toMatch(
      /channel threshold_2: typed-array tag 85 \(float32 LE\) is not an image dtype.*; channel dropped, the image's other channels kept/,
    );
  });

  it('a time that is not a rational', async () => {
    const bad = image0(multiDim(H, W, typedArray(img)), { real_time: [1, 0] });
    expectRejected(await withBad(bad), 'bad-field', /"real_time" must be a rational \[num, den\] with den > 0/);
  });
});

describe('frames that can only be checked by decoding (V1 "lz4<")', () => {
  const W = 32;
  const H = 16;
  const header = [
    json({ htype: 'dheader-1.0', series: 1, header_detail: 'basic' }),
    json({ x_pixels_in_detector: W, y_pixels_in_detector: H, count_time: 0.001 }),
  ];
  const image = (frame: number, blob: Uint8Array) => [
    json({ htype: 'dimage-1.0', series: 1, frame, hash: '' }),
    json({ htype: 'dimage_d-1.0', shape: [W, H], type: 'uint16', encoding: 'lz4<', size: blob.byteLength }),
    blob,
    json({ htype: 'dconfig-1.0', start_time: 0, stop_time: 50000, real_time: 50000 }),
  ];
  // A valid LZ4 block that decodes to only 64 bytes (a literal run), not the 1024 the shape needs.
  const short = Uint8Array.from([0xf0, 0x31, ...new Uint8Array(64)]);
  const good = encodePixels(pixels(Uint16Array, W * H, 2), { codec: 'lz4-block', elemSize: 2, name: 'lz4<' });
  const end = [json({ htype: 'dseries_end-1.0', series: 1 })];

  it('without verifyDecode a short lz4< frame passes (its size is not in the blob)', async () => {
    const x = await exchange([header, image(0, short), image(1, good), end]);
    expect(x.stats.errorTotal).toBe(0);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([0, 1]);
  });

  it('with verifyDecode it is rejected as decode-failed and the next frame arrives', async () => {
    const x = await exchange([header, image(0, short), image(1, good), end], { verifyDecode: true });
    expectRejected(x, 'decode-failed', /frame 0 of series 1 \(lz4<, 32x16 uint16\) does not decode/);
    expect(framesOf(x.events).map((f) => f.frame)).toEqual([1]);
  });
});

describe('bounded free-form values', () => {
  it('keeps small user data and configuration values (copied out of the message) and notes the size of large ones', async () => {
    const { bounded, MAX_USER_DATA_BYTES } = await import('../src/receiver/boundedValues.js');
    const message = new Uint8Array(1000);
    const view = message.subarray(10, 20);
    const kept = bounded({ grid: [10, 20], raw: view }, MAX_USER_DATA_BYTES) as { grid: number[]; raw: Uint8Array };
    expect(kept.grid).toEqual([10, 20]);
    expect(kept.raw.buffer.byteLength).toBe(10); // not the message's buffer
    expect(bounded('x'.repeat(MAX_USER_DATA_BYTES + 1), MAX_USER_DATA_BYTES)).toMatchObject({
      omitted: `larger than ${MAX_USER_DATA_BYTES} bytes`,
    });
    expect(bounded({ junk: new Uint8Array(200 * 1024 * 1024) }, 16 * 1024)).toMatchObject({
      omitted: 'larger than 16384 bytes',
    });
  });
});
