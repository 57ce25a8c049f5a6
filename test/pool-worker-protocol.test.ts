// What the pipeline accepts from a worker: messages decoded within bounds and rebuilt from
// checked fields; results whose fields have the wrong type, range or size turned into a
// 'bad-result' failure (so the frame goes elsewhere), and nothing extra passed on.
import { describe, expect, it } from 'vitest';
import { encode } from '@msgpack/msgpack';
import { decodeWorkerMessage, WorkerMessageError } from '../src/stages/pool/protocol.js';
import { RESULT_LIMITS } from '../src/sinks/records.js';
import { validResultBody } from './helpers/frameResults.js';

const DEEP = 'DEEP-NESTING';
/** msgpack of `value` with each string DEEP replaced by 1 nested 20,000 arrays deep (built by
 * hand: a hostile worker has no encoder depth limit, ours does). */
function pack(value: unknown): Uint8Array {
  const bytes = Buffer.from(encode(value));
  const marker = Buffer.from(encode(DEEP));
  const deep = Buffer.concat([Buffer.alloc(20_000, 0x91), Buffer.from([0x01])]);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = bytes.indexOf(marker); at !== -1; at = bytes.indexOf(marker, from)) {
    parts.push(bytes.subarray(from, at), deep);
    from = at + marker.length;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}
const decodeResult = (result: unknown) => decodeWorkerMessage(pack({ t: 'result', id: 7, result }));

describe('worker messages', () => {
  it('accepts a complete result and keeps only its known fields', () => {
    const msg = decodeResult(
      validResultBody({
        n_spots: 3,
        n_spots_no_ice: 2,
        hit: true,
        spots: [[1, 2, 3]],
        flags: ['ice-rings'],
        type: 'summary',
        extra: 'x',
      }),
    );
    expect(msg.t).toBe('result');
    if (msg.t !== 'result') return;
    expect(msg.result).toMatchObject({
      n_spots: 3,
      n_spots_no_ice: 2,
      hit: true,
      spots: [[1, 2, 3]],
      flags: ['ice-rings'],
    });
    expect(Object.keys(msg.result).sort()).toEqual(Object.keys(validResultBody()).sort());
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['hit as a string', { hit: 'no' }, /hit/],
    ['a negative spot count', { n_spots: -5 }, /n_spots/],
    ['more spots away from ice than spots', { n_spots: 1, n_spots_no_ice: 2 }, /n_spots_no_ice/],
    ['flags not an array', { flags: 'not-an-array' }, /flags/],
    ['an unknown flag', { flags: ['all-good'] }, /flag/],
    ['NaN as a string', { total_intensity: 'NaN' }, /total_intensity/],
    ['a zero d_min', { d_min: 0 }, /d_min/],
    [
      'more spots than a spot table holds',
      { spots: Array.from({ length: RESULT_LIMITS.spots + 1 }, () => [1, 1, 1]) },
      /spots/,
    ],
    ['a spot of two values', { spots: [[1, 2]] }, /spots\[0\]/],
    ['a radial value that is a string', { radial: [1, 'x'] }, /radial\[1\]/],
    ['a negative separation count', { separation: [-1] }, /separation/],
    ['a result nested 20,000 levels deep', { spots: [DEEP] }, /spots\[0\]/],
    ['no timing', { timing: undefined }, /timing/],
    [
      'a preview whose pixels do not fit its shape',
      { preview: { bin: 5, width: 4, height: 4, pixels: new Uint8Array(31) } },
      /preview.pixels/,
    ],
    [
      'a preview wider than previews are made',
      { preview: { bin: 1, width: 5000, height: 1, pixels: new Uint8Array(10_000) } },
      /preview.width/,
    ],
    ['a preview of zero size', { preview: { bin: 1, width: 0, height: 0, pixels: new Uint8Array(0) } }, /zero size/],
    ['a preview as a string', { preview: 'a picture' }, /preview is not an object/],
  ];
  for (const [what, change, reason] of bad) {
    it(`turns a result with ${what} into a bad-result failure naming the field`, () => {
      const msg = decodeResult(validResultBody(change));
      expect(msg).toMatchObject({ t: 'failed', id: 7, code: 'bad-result' });
      if (msg.t === 'failed') expect(msg.detail).toMatch(reason);
    });
  }

  it('keeps a well-formed preview image with its bytes', () => {
    const pixels = new Uint8Array(4 * 3 * 2).map((_, i) => i);
    const msg = decodeResult(
      validResultBody({ hit: true, preview: { bin: 6, width: 4, height: 3, pixels, extra: 1 } }),
    );
    expect(msg.t).toBe('result');
    if (msg.t !== 'result') return;
    const { pixels: got, ...shape } = msg.result.preview!;
    expect(shape).toEqual({ bin: 6, width: 4, height: 3 });
    expect([...got]).toEqual([...pixels]);
  });

  it("refuses messages that are not a worker's, naming why", () => {
    expect(() => decodeWorkerMessage(new Uint8Array([0xc1]))).toThrow(WorkerMessageError);
    expect(() => decodeWorkerMessage(encode([1, 2]))).toThrow(/not a map/);
    expect(() => decodeWorkerMessage(encode({ t: 'shout' }))).toThrow(/unknown worker message type/);
    expect(() => decodeWorkerMessage(pack({ t: 'hello', path: 'good', pid: DEEP, host: 'h', credit: 1 }))).toThrow(
      /pid/,
    );
    expect(() => decodeWorkerMessage(encode({ t: 'hello', path: 'good', pid: 1, host: 'h', credit: 0 }))).toThrow(
      /credit/,
    );
    expect(() => decodeWorkerMessage(encode({ t: 'failed', id: 1, code: 'whatever' }))).toThrow(/failure code/);
    expect(() => decodeWorkerMessage(encode({ t: 'result', id: -1, result: validResultBody() }))).toThrow(/id/);
    // An array longer than any real result holds is refused while decoding.
    expect(() =>
      decodeWorkerMessage(encode({ t: 'heartbeat', junk: new Array(RESULT_LIMITS.radialBins + 1).fill(0) })),
    ).toThrow(/bounds/);
  });

  it('cuts long texts and rebuilds hellos and failures from their known fields', () => {
    const hello = decodeWorkerMessage(
      encode({ t: 'hello', path: 'fast', pid: 42, host: 'h'.repeat(4000), credit: 2, admin: true }),
    );
    expect(hello).toEqual({ t: 'hello', path: 'fast', pid: 42, host: 'h'.repeat(500), credit: 2 });
    const failed = decodeWorkerMessage(encode({ t: 'failed', id: 3, code: 'decode-failed', detail: 7, run: 'x' }));
    expect(failed).toEqual({ t: 'failed', id: 3, code: 'decode-failed', detail: '' });
    const noShm = decodeWorkerMessage(
      encode({ t: 'hello', path: 'good', pid: 42, host: 'h', credit: 4, noShm: 'x'.repeat(4000) }),
    );
    expect(noShm).toEqual({ t: 'hello', path: 'good', pid: 42, host: 'h', credit: 4, noShm: 'x'.repeat(500) });
  });

  it('takes a pulse with a well-formed token only, and nothing else from it', () => {
    const token = '0123456789abcdef'.repeat(2);
    expect(decodeWorkerMessage(encode({ t: 'pulse', token, worker: 'someone' }))).toEqual({ t: 'pulse', token });
    for (const wrong of [undefined, 7, '', token.toUpperCase(), `${token}0`, token.slice(1), DEEP]) {
      expect(() => decodeWorkerMessage(pack({ t: 'pulse', token: wrong }))).toThrow(WorkerMessageError);
    }
  });
});
