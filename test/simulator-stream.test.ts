// The simulator on real loopback sockets: what it sends decodes (through the project's receiver
// and frame decoder) to exactly the pixels that were synthesised, for V1/V2 and uint16/uint32.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as cborDecode } from 'cbor-x';
import { Pull } from 'zeromq';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import type { SeriesStart, StreamEvent } from '../src/receiver/events.js';
import { StreamReceiver } from '../src/receiver/StreamReceiver.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { DetectorSimulator, type SimulatorOptions } from '../src/simulator/DetectorSimulator.js';
import { frameTruth, synthesizeFrame, type SynthOptions } from '../src/simulator/FrameSynth.js';

const dir = mkdtempSync(join(tmpdir(), 'sp-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function simOptions(over: Partial<SimulatorOptions>): SimulatorOptions {
  return {
    detector: 'eiger2-4m',
    frames: 3,
    rate: 'max',
    stream: 1,
    dtype: 'uint16',
    hitFraction: 0.5,
    iceRings: false,
    splitSpots: false,
    seed: 17,
    bind: 'tcp://127.0.0.1:*',
    series: 4,
    seriesCount: 1,
    headerDetail: 'all',
    ...over,
  };
}

async function receiveSeries(
  sim: DetectorSimulator,
  onEvent: (e: StreamEvent, pixels?: Uint16Array | Uint32Array | Uint8Array) => void,
) {
  const endpoint = await sim.bind();
  const sending = sim.run();
  const receiver = new StreamReceiver(endpoint, { logger: quiet });
  const decoder = new FrameDecoder();
  for await (const event of receiver) {
    onEvent(event, event.type === 'frame' ? decoder.decodeFrame(event) : undefined);
    if (event.type === 'series-end') break;
  }
  receiver.close();
  await sending;
  sim.close();
}

describe('DetectorSimulator', () => {
  for (const stream of [1, 2] as const) {
    for (const dtype of ['uint16', 'uint32'] as const) {
      it(`sends V${stream} ${dtype} frames that decode to the synthesised pixels`, async () => {
        const truthFile = join(dir, `truth-${stream}-${dtype}.jsonl`);
        const options = simOptions({ stream, dtype, truthFile, iceRings: true });
        const synth: SynthOptions = { dtype, hitFraction: 0.5, iceRings: true, splitSpots: false };
        const model = detectorModel('eiger2-4m');
        let start: SeriesStart | undefined;
        const frames: number[] = [];
        let complete = false;
        await receiveSeries(new DetectorSimulator(options), (event, pixels) => {
          if (event.type === 'series-start') start = event;
          else if (event.type === 'frame') {
            expect([event.width, event.height, event.dtype]).toEqual([2068, 2162, dtype]);
            expect(event.encoding.codec).toBe('bslz4');
            expect(event.encoding.name).toBe(stream === 1 ? (dtype === 'uint16' ? 'bs16-lz4<' : 'bs32-lz4<') : 'bslz4');
            const expected = synthesizeFrame(model, synth, event.frame, 17).pixels;
            expect(
              Buffer.from(pixels!.buffer, pixels!.byteOffset, pixels!.byteLength).equals(Buffer.from(expected.buffer)),
            ).toBe(true);
            frames.push(event.frame);
          } else complete = event.complete && event.framesReceived === 3;
        });
        expect(frames).toEqual([0, 1, 2]);
        expect(complete).toBe(true);
        expect(start).toBeDefined();
        expect(start!.series).toBe(4);
        expect(start!.streamVersion).toBe(stream);
        expect(start!.detectorDistance).toBeCloseTo(model.distance, 9);
        expect(start!.beamCenterX).toBeCloseTo(model.beamCenterX, 9);
        expect(start!.wavelength).toBeCloseTo(1.0, 6);
        expect(start!.numberOfImages).toBe(3);
        expect(start!.saturationValue).toBe(model.saturationValue(dtype));
        const mask = start!.pixelMask.threshold_1;
        expect(
          mask &&
            Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength).equals(Buffer.from(model.pixelMask().buffer)),
        ).toBe(true);
        const truth = readFileSync(truthFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(truth.map((t) => t.frame)).toEqual([0, 1, 2]);
        truth.forEach((t, i) => {
          const expectedTruth = frameTruth(model, synth, i, 17);
          expect(t.hit).toBe(expectedTruth.hit);
          expect(t.spots).toEqual(expectedTruth.spots);
        });
      });
    }
  }

  it('cycles a pool of distinct frames at high rates, the truth following the pool entry', async () => {
    const truthFile = join(dir, 'truth-pool.jsonl');
    const options = simOptions({ frames: 5, poolSize: 2, truthFile, headerDetail: 'none' });
    const synth: SynthOptions = { dtype: 'uint16', hitFraction: 0.5, iceRings: false, splitSpots: false };
    const model = detectorModel('eiger2-4m');
    const seen: number[] = [];
    let headerDetail: string | undefined;
    await receiveSeries(new DetectorSimulator(options), (event, pixels) => {
      if (event.type === 'series-start') headerDetail = event.headerDetail;
      if (event.type !== 'frame') return;
      const expected = synthesizeFrame(model, synth, event.frame % 2, 17).pixels;
      expect(
        Buffer.from(pixels!.buffer, pixels!.byteOffset, pixels!.byteLength).equals(Buffer.from(expected.buffer)),
      ).toBe(true);
      seen.push(event.frame);
    });
    expect(headerDetail).toBe('none');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    const truth = readFileSync(truthFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(truth.map((t) => [t.frame, t.source])).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
      [3, 1],
      [4, 0],
    ]);
  });

  it('sends V1 messages shaped like the real detector: part counts, newline-terminated JSON, 20 ns ticks', async () => {
    const sim = new DetectorSimulator(
      simOptions({ frames: 2, rate: 100, headerAppendix: '{"acqID": "sim"}', imageAppendix: 'img' }),
    );
    const endpoint = await sim.bind();
    const sending = sim.run();
    const pull = new Pull({ linger: 0 });
    pull.connect(endpoint);
    const messages: Buffer[][] = [];
    for (let i = 0; i < 4; i++) messages.push(await pull.receive());
    pull.close();
    await sending;
    sim.close();
    const [header, image0, image1, end] = messages as [Buffer[], Buffer[], Buffer[], Buffer[]];
    expect(header.map((p) => p.length).slice(0, 8)).toEqual([
      header[0]!.length,
      header[1]!.length,
      64,
      2068 * 2162 * 4,
      63,
      2068 * 2162 * 4,
      67,
      32000,
    ]);
    expect(header.length).toBe(9);
    expect(header[8]!.toString()).toBe('{"acqID": "sim"}');
    expect(JSON.parse(header[0]!.toString())).toEqual({ header_detail: 'all', htype: 'dheader-1.0', series: 4 });
    const config = JSON.parse(header[1]!.toString());
    expect(config.x_pixels_in_detector).toBe(2068);
    expect(config.y_pixels_in_detector).toBe(2162);
    expect(config.pixel_mask_applied).toBe(1);
    expect(JSON.parse(header[2]!.toString())).toEqual({
      htype: 'dflatfield-1.0',
      shape: [2068, 2162],
      type: 'float32',
    });
    for (const part of [
      header[0],
      header[1],
      header[2],
      header[4],
      header[6],
      image0[0],
      image0[1],
      image0[3],
      end[0],
    ]) {
      expect(part!.toString().endsWith('}\n')).toBe(true);
    }
    expect(image0.length).toBe(5);
    expect(image0[4]!.toString()).toBe('img');
    const d = JSON.parse(image0[1]!.toString());
    expect(d).toEqual({
      encoding: 'bs16-lz4<',
      htype: 'dimage_d-1.0',
      shape: [2068, 2162],
      size: image0[2]!.length,
      type: 'uint16',
    });
    expect(JSON.parse(image1[0]!.toString())).toMatchObject({ htype: 'dimage-1.0', series: 4, frame: 1 });
    const c0 = JSON.parse(image0[3]!.toString());
    const c1 = JSON.parse(image1[3]!.toString());
    // 100 Hz at 50 MHz: 500000 ticks per frame; real_time = count time in ticks.
    expect(c1.start_time - c0.start_time).toBe(500_000);
    expect(c0.stop_time - c0.start_time).toBe(c0.real_time);
    expect(c0.real_time).toBe(Math.round(config.count_time * 50e6));
    expect(JSON.parse(end[0]!.toString())).toEqual({ htype: 'dseries_end-1.0', series: 4 });
  });

  it('sends V2 messages with the self-describe prefix, type first, tags 40/69/56500 and 50 MHz rationals', async () => {
    const sim = new DetectorSimulator(simOptions({ stream: 2, frames: 1, headerDetail: 'basic' }));
    const endpoint = await sim.bind();
    const sending = sim.run();
    const pull = new Pull({ linger: 0 });
    pull.connect(endpoint);
    const messages: Buffer[] = [];
    for (let i = 0; i < 3; i++) {
      const parts = await pull.receive();
      expect(parts.length).toBe(1);
      messages.push(parts[0]!);
    }
    pull.close();
    await sending;
    sim.close();
    for (const m of messages) {
      expect(m.subarray(0, 3).toString('hex')).toBe('d9d9f7');
      // a definite-length map header (1 byte up to 23 entries, else 0xb8 + count), then the key "type"
      const keyAt = m[3]! === 0xb8 ? 5 : 4;
      expect(m[3]! >= 0xa0 && m[3]! <= 0xb8).toBe(true);
      expect(m.subarray(keyAt, keyAt + 5).toString('hex')).toBe('6474797065');
    }
    const start = cborDecode(messages[0]!.subarray(3)) as Record<string, unknown>;
    expect(Object.keys(start).slice(0, 3)).toEqual(['type', 'series_id', 'series_unique_id']);
    expect(start.type).toBe('start');
    expect(start.detector_translation).toEqual([0, 0, 0.12]);
    expect(start.image_size_x).toBe(2068);
    expect(start).not.toHaveProperty('pixel_mask'); // basic
    const image = messages[1]!;
    // data.threshold_1 = tag 40 [[2162, 2068], tag 69 (tag 56500 ["bslz4", 2, bytes])]
    const marker = Buffer.from('d82882821908721908 14d845d9dcb4836562736c7a3402'.replace(/ /g, ''), 'hex');
    expect(image.indexOf(marker)).toBeGreaterThan(0);
    const decoded = cborDecode(image.subarray(3)) as Record<string, unknown>;
    expect(decoded.real_time).toEqual([Math.round(0.002 * 50e6) - 5, 50_000_000]);
    expect(decoded.start_time).toEqual([0, 50_000_000]);
    expect(decoded.image_id).toBe(0);
    const end = cborDecode(messages[2]!.subarray(3)) as Record<string, unknown>;
    expect(end).toEqual({ type: 'end', series_id: 4, series_unique_id: start.series_unique_id });
  });
});
