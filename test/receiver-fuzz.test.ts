// Hostile and random input never escapes the receiver: thousands of mutated messages through the
// decoder (deterministic seed), then a good series still decodes; one batch also goes through the
// socket to show the iterator survives it.
import { describe, expect, it } from 'vitest';
import { StreamDecoder } from '../src/receiver/StreamDecoder.js';
import { readCbor } from '../src/receiver/v2/cborReader.js';
import { json } from './helpers/captures.js';
import { exchange, framesOf, RecordingLogger } from './helpers/pushPeer.js';
import { channel1, endMessage, imageMessage, pixels, startMessage } from './helpers/v2Messages.js';
import { seededRandom } from './helpers/seededRandom.js';

const W = 24;
const H = 10;
const v2Good = [
  startMessage({
    width: W,
    height: H,
    extra: {
      pixel_mask: channel1(H, W, pixels(Uint32Array, W * H, 1, 4), { compression: 'bslz4' }),
    },
  }),
  imageMessage({
    imageId: 0,
    data: channel1(H, W, pixels(Uint16Array, W * H, 2), { compression: 'bslz4' }),
  }),
  endMessage(),
];
const v1Good: Buffer[][] = [
  [
    json({ htype: 'dheader-1.0', series: 2, header_detail: 'basic' }),
    json({ x_pixels_in_detector: W, y_pixels_in_detector: H, count_time: 0.001 }),
  ],
  [
    json({ htype: 'dimage-1.0', series: 2, frame: 0, hash: '' }),
    json({ htype: 'dimage_d-1.0', shape: [W, H], type: 'uint16', encoding: '<', size: W * H * 2 }),
    Buffer.alloc(W * H * 2, 7),
    json({ htype: 'dconfig-1.0', start_time: 0, stop_time: 1, real_time: 50000 }),
  ],
  [json({ htype: 'dseries_end-1.0', series: 2 })],
];

function mutate(parts: Buffer[], next: () => number): Buffer[] {
  const out = parts.map((p) => Buffer.from(p));
  const i = Math.floor(next() * out.length);
  const p = out[i]!;
  switch (Math.floor(next() * 5)) {
    case 0: // truncate
      out[i] = p.subarray(0, Math.floor(next() * p.length));
      break;
    case 1: // flip a few bytes
      for (let k = 0; k < 1 + next() * 4 && p.length > 0; k++) {
        const at = Math.floor(next() * p.length);
        p[at] = p[at]! ^ (1 << Math.floor(next() * 8));
      }
      break;
    case 2: // drop or duplicate a part
      if (next() < 0.5) out.splice(i, 1);
      else out.splice(i, 0, p);
      break;
    case 3: // random bytes
      out[i] = Buffer.from(Array.from({ length: Math.floor(next() * 64) }, () => Math.floor(next() * 256)));
      break;
    default: // overwrite a window with 0xff (huge lengths in CBOR heads)
      if (p.length > 0) {
        const from = Math.floor(next() * p.length);
        p.fill(0xff, from, Math.min(p.length, from + 1 + Math.floor(next() * 8)));
      }
  }
  return out.length > 0 ? out : [Buffer.alloc(0)]; // a ZeroMQ message has at least one part
}

describe('hostile input', () => {
  it('never throws from decodeMessage, and a good series decodes afterwards', () => {
    const log = new RecordingLogger();
    const dec = new StreamDecoder({ logger: log, verifyDecode: true });
    const next = seededRandom(20240501);
    const sources = [...v2Good.map((m) => [m]), ...v1Good];
    for (let n = 0; n < 3000; n++) {
      const src = sources[Math.floor(next() * sources.length)]!;
      expect(() => dec.decodeMessage(mutate(src, next))).not.toThrow();
    }
    expect(dec.stats.errors.internal).toBe(0); // every rejection was a named reason, not a receiver bug
    expect(dec.stats.errorTotal).toBeGreaterThan(1000);
    const events = [...v2Good.map((m) => dec.decodeMessage([m])), ...v1Good.map((m) => dec.decodeMessage(m))].flat();
    expect(framesOf(events)).toHaveLength(2);
    expect(events.filter((e) => e.type === 'series-end' && e.complete)).toHaveLength(2);
  });

  it('rejects CBOR built to exhaust memory or stack with a CborError', () => {
    const deep = Buffer.alloc(100_000, 0x81); // 100000 nested one-element arrays
    expect(() => readCbor(deep)).toThrow(/nesting deeper than 64 levels/);
    expect(() => readCbor(Buffer.from([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      /does not fit a safe JS number/,
    );
    expect(() => readCbor(Buffer.from([0x9a, 0xff, 0xff, 0xff, 0xff, 0x00]))).toThrow(/cannot fit in the 1 bytes left/);
    expect(() => readCbor(Buffer.from([0x5a, 0x00, 0x10, 0x00, 0x00, 0x00]))).toThrow(/runs past the end/);
    expect(() => readCbor(Buffer.from([0xa1, 0x01, 0x02]))).not.toThrow(); // integer keys read as text
    expect(() => readCbor(Buffer.from([0xa1, 0x40, 0x02]))).toThrow(/map key of type byte string/);
  });

  it('the socket iterator survives a batch of mutated messages', async () => {
    const next = seededRandom(7);
    const bad = Array.from({ length: 200 }, (_, n) => mutate(n % 2 ? [v2Good[1]!] : v1Good[1]!, next));
    const x = await exchange([...bad, ...v2Good.map((m) => [m])]);
    expect(x.stats.messages).toBe(203);
    expect(x.stats.errors.internal).toBe(0);
    expect(x.events.at(-1)).toMatchObject({ type: 'series-end', complete: true, framesReceived: 1 });
  });
});
