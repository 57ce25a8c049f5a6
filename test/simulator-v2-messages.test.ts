// The simulator's V2 image messages, now written in place around the blob: byte for byte what an
// independent CBOR encoder (cbor-x) makes of the same map, and, with message buffers reused across
// a series, every message a peer receives is the one sent for its frame, however long it stayed
// queued, with one peer or several.
import { Encoder, Tag } from 'cbor-x';
import { Pull } from 'zeromq';
import { describe, expect, it } from 'vitest';
import { TAG_COMPRESSED, TAG_MULTI_DIM_ROW_MAJOR, TAG_UINT16_LE, TAG_UINT32_LE } from '../src/receiver/v2/cborTags.js';
import { detectorModel } from '../src/simulator/DetectorModel.js';
import { DetectorSimulator, type SimulatorOptions } from '../src/simulator/DetectorSimulator.js';
import { frameTicks, makeSimulatedSeries, type SimulatedSeries } from '../src/simulator/SimulatedSeries.js';
import { ReusableImageMessages } from '../src/simulator/ReusableImageMessages.js';
import { Stream2Encoder } from '../src/simulator/Stream2Encoder.js';

const cborX = new Encoder({ useRecords: false, variableMapSize: true, tagUint8Array: false });

/** The image map as the encoder used to build it with cbor-x (integers past 2^32 as 64-bit). */
function cborXImage(s: SimulatedSeries, frame: number, blob: Buffer): Buffer {
  const t = frameTicks(s, frame);
  const int = (n: number) => (n <= 0xffffffff ? n : BigInt(n));
  const rational = (n: number) => [int(n), 50_000_000];
  const typed = s.dtype === 'uint16' ? TAG_UINT16_LE : TAG_UINT32_LE;
  const elem = s.dtype === 'uint16' ? 2 : 4;
  const compressed = new Tag(['bslz4', elem, blob], TAG_COMPRESSED);
  const map: Record<string, unknown> = {
    type: 'image',
    series_id: s.series,
    series_unique_id: s.seriesUniqueId,
    image_id: frame,
    real_time: rational(t.real),
    series_date: new Tag(s.armDate.toISOString().replace('Z', '+00:00'), 0),
    start_time: rational(t.start),
    stop_time: rational(t.stop),
    data: {
      threshold_1: new Tag([[s.model.height, s.model.width], new Tag(compressed, typed)], TAG_MULTI_DIM_ROW_MAJOR),
    },
  };
  if (s.imageAppendix !== undefined) map.user_data = s.imageAppendix;
  return Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), cborX.encode(map)]);
}

describe('V2 image messages', () => {
  it('are byte for byte cbor-x encodings of the image map, at every integer width', () => {
    // Frame numbers and tick counts either side of each CBOR integer width, 2^32 ticks included.
    const frames = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 42_949, 42_950, 3_000_000];
    const blobs = [10, 23, 24, 255, 256, 65_535, 65_536, 70_001].map((n) => Buffer.alloc(n, n & 0xff));
    for (const dtype of ['uint16', 'uint32'] as const) {
      for (const imageAppendix of [undefined, 'appendix ✓ "quoted"']) {
        const setup = makeSimulatedSeries({
          model: detectorModel('eiger2-16m'),
          dtype,
          series: 300,
          nimages: 10,
          frameTime: 0.002,
          seed: 5,
          ...(imageAppendix !== undefined ? { imageAppendix } : {}),
        });
        const encoder = new Stream2Encoder(setup);
        for (const frame of frames) {
          for (const blob of blobs) {
            expect(encoder.image(frame, blob).equals(cborXImage(setup, frame, blob))).toBe(true);
          }
        }
      }
    }
  });
});

describe('ReusableImageMessages', () => {
  const setup = makeSimulatedSeries({
    model: detectorModel('eiger2-4m'),
    dtype: 'uint32',
    series: 2,
    nimages: 100,
    frameTime: 0.002,
    imageAppendix: 'tail',
  });
  const encoder = new Stream2Encoder(setup);
  // Larger than Buffer.poolSize, so that each message buffer has memory of its own to compare.
  const blobs = [Buffer.alloc(10_000, 1), Buffer.alloc(20_000, 2)];

  /** Sends frames from..to-1 cycling the blobs; the memory each message was written in. */
  function send(messages: ReusableImageMessages, from: number, to: number): Array<ArrayBufferLike | null> {
    const memory: Array<ArrayBufferLike | null> = [];
    for (let frame = from; frame < to; frame++) {
      const blob = blobs[frame % 2]!;
      const m = messages.message(blob, encoder.imageHead(), frame);
      if (m) expect(m.equals(encoder.image(frame, blob))).toBe(true);
      memory.push(m ? m.buffer : null);
    }
    return memory;
  }

  it('rewrites a buffer only after `reuseLag` later messages, growing each blob ring to what that needs', () => {
    const messages = new ReusableImageMessages(5);
    const memory = send(messages, 0, 40);
    expect(memory.every((m) => m !== null)).toBe(true);
    // Two blobs alternating, lag 5: a blob's buffer comes round every 2 messages, so each blob
    // needs 3 buffers (its message 6 later is the first one far enough back).
    expect(new Set(memory).size).toBe(6);
    memory.forEach((m, i) => {
      if (i >= 6) expect(m).toBe(memory[i - 6]);
      for (let back = 1; back < 5 && back <= i; back++) expect(m).not.toBe(memory[i - back]);
    });
  });

  it('reuses nothing while several peers are connected, and then only buffers `reuseLag` messages back', () => {
    const messages = new ReusableImageMessages(4);
    const before = send(messages, 0, 10);
    messages.peers = 2;
    expect(send(messages, 10, 15)).toEqual([null, null, null, null, null]);
    messages.peers = 1;
    // Sent before the second peer left: may still be queued for the remaining one until 4 more.
    const after = send(messages, 15, 25);
    expect(after.slice(0, 4)).toEqual([null, null, null, null]);
    expect(after.slice(4).every((m) => m !== null && before.includes(m))).toBe(true);
  });
});

describe('DetectorSimulator V2 with reused message buffers', () => {
  const FRAMES = 60;

  function options(over: Partial<SimulatorOptions>): SimulatorOptions {
    return {
      detector: 'eiger2-4m',
      frames: FRAMES,
      rate: 'max',
      stream: 2,
      dtype: 'uint16',
      hitFraction: 0,
      iceRings: false,
      splitSpots: false,
      seed: 3,
      bind: 'tcp://127.0.0.1:*',
      series: 7,
      seriesCount: 1,
      headerDetail: 'basic',
      // One pool entry: every frame reuses the same blob's buffers, the hardest case.
      poolSize: 1,
      ...over,
    };
  }

  /** What the simulator should have sent for image `frame`, built afresh. */
  function expectedImage(sim: DetectorSimulator, armDate: Date, frame: number): Buffer {
    const o = sim.options;
    const setup = makeSimulatedSeries({
      model: detectorModel(o.detector),
      dtype: o.dtype,
      series: o.series,
      nimages: o.frames,
      frameTime: 0.002,
      headerDetail: o.headerDetail,
      seed: o.seed,
      armDate,
    });
    return new Stream2Encoder(setup).image(frame, sim.framePool.frame(frame).blob);
  }

  /** The series' images by image_id, checked against what should have been sent. */
  function checkImages(sim: DetectorSimulator, images: Buffer[], armDate: Date): number[] {
    const ids: number[] = [];
    for (const m of images) {
      // image_id is the 4th key, after type, series_id and series_unique_id: read it by decoding.
      const id = (new Encoder({ useRecords: false }).decode(m) as { image_id: number }).image_id;
      expect(m.equals(expectedImage(sim, armDate, id))).toBe(true);
      ids.push(id);
    }
    return ids;
  }

  /** Receives one message, decoded as a map. */
  async function receiveMap(pull: Pull): Promise<{ raw: Buffer; map: Record<string, unknown> }> {
    const [raw] = await pull.receive();
    return { raw: raw!, map: new Encoder({ useRecords: false }).decode(raw!) as Record<string, unknown> };
  }

  it('deliver every frame intact to a peer that lets them queue up', async () => {
    const sim = new DetectorSimulator(options({}));
    await sim.prepare();
    const pull = new Pull({ receiveHighWaterMark: 1, linger: 0 });
    pull.connect(await sim.bind());
    const sending = sim.run();
    const start = await receiveMap(pull);
    const armDate = new Date(start.map['arm_date'] as Date);
    // Let the simulator fill every queue on the way before anything more is taken.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const images: Buffer[] = [];
    for (let i = 0; i < FRAMES; i++) images.push((await receiveMap(pull)).raw);
    const end = await receiveMap(pull);
    pull.close();
    await sending;
    sim.close();
    expect(end.map['type']).toBe('end');
    expect(checkImages(sim, images, armDate)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
  });

  it('deliver every frame intact with a second peer that stalls', async () => {
    const sim = new DetectorSimulator(options({}));
    await sim.prepare();
    const endpoint = await sim.bind();
    // The timeout only ends a peer's wait once the other has taken the rest of the series.
    const eager = new Pull({ linger: 0, receiveTimeout: 1000 });
    const stalled = new Pull({ receiveHighWaterMark: 1, linger: 0, receiveTimeout: 1000 });
    eager.connect(endpoint);
    stalled.connect(endpoint);
    const sending = sim.run();
    // PUSH deals the messages out in turn: the start, the images and the end each reach one peer.
    const byPeer: Buffer[][] = [[], []];
    let armDate: Date | undefined;
    let taken = 0;
    const take = async (pull: Pull, into: Buffer[]): Promise<void> => {
      while (taken < FRAMES + 2) {
        let raw: Buffer;
        try {
          [raw] = (await pull.receive()) as [Buffer];
        } catch (err) {
          if ((err as { code?: string }).code !== 'EAGAIN') throw err;
          continue; // timed out: the other peer may still be taking the last messages
        }
        taken++;
        const map = new Encoder({ useRecords: false }).decode(raw) as Record<string, unknown>;
        if (map['type'] === 'start') armDate = new Date(map['arm_date'] as Date);
        else if (map['type'] === 'image') into.push(raw);
      }
    };
    const eagerDone = take(eager, byPeer[0]!);
    // The stalled peer takes nothing until the simulator has had time to queue up all it can.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await Promise.all([eagerDone, take(stalled, byPeer[1]!)]);
    await sending;
    eager.close();
    stalled.close();
    sim.close();
    expect(armDate).toBeDefined();
    expect(byPeer[1]!.length).toBeGreaterThan(0); // the stalled peer did hold messages
    const ids = [...checkImages(sim, byPeer[0]!, armDate!), ...checkImages(sim, byPeer[1]!, armDate!)];
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
  });
});
