// The real captures, end to end through real ZeroMQ sockets on loopback: every header field is
// checked against the captured bytes, and every frame is decoded and compared with the Python
// reference decode (test/goldens/receiver/captures.json, made by make_goldens.py with Debian
// bitshuffle).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode as cborDecode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../src/codec/FrameDecoder.js';
import type { Frame, SeriesEnd, SeriesStart, StreamEvent } from '../src/receiver/events.js';
import { MISSING_CAPTURES, parseJson, v1Capture, v2Capture } from './helpers/captures.js';
import { exchange } from './helpers/pushPeer.js';

interface Golden {
  sha256: string;
  width: number;
  height: number;
  frame: number;
  sum: number;
}
const goldens = JSON.parse(readFileSync(new URL('./goldens/receiver/captures.json', import.meta.url), 'utf8')) as {
  v1: Golden[];
  v2: Golden[];
};

const v1 = v1Capture();
const v2 = v2Capture();
if (!v1 || !v2) console.warn(MISSING_CAPTURES);

function sha256(view: ArrayBufferView): string {
  return createHash('sha256')
    .update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength))
    .digest('hex');
}

function byType<T extends StreamEvent['type']>(events: StreamEvent[], type: T): Extract<StreamEvent, { type: T }>[] {
  return events.filter((e) => e.type === type) as Extract<StreamEvent, { type: T }>[];
}

describe.skipIf(!v1)('V1: real EIGER 4M capture (DLS) through the socket', () => {
  it('emits start, three frames and a complete end with every header field taken from the bytes', async () => {
    const c = v1!;
    const { events, stats, log } = await exchange([c.header, ...c.images, c.end]);
    expect(events.map((e) => e.type)).toEqual(['series-start', 'frame', 'frame', 'frame', 'series-end']);
    expect(log.problems).toEqual([]);
    expect(stats.snapshot()).toMatchObject({ messages: 5, frames: 3, series: 1 });
    expect(stats.errorTotal).toBe(0);
    expect(stats.bytes).toBe(c.files.reduce((n, f) => n + f.length, 0));

    const cfg = parseJson(c.header[1]!);
    const start = events[0] as SeriesStart;
    expect(start).toMatchObject({
      streamVersion: 1,
      series: 6,
      seriesUniqueId: null,
      headerDetail: 'all',
      width: 2070,
      height: 2167,
      dtype: 'uint16',
      beamCenterX: cfg['beam_center_x'],
      beamCenterY: cfg['beam_center_y'],
      detectorDistance: cfg['detector_distance'],
      wavelength: cfg['wavelength'],
      photonEnergy: cfg['photon_energy'],
      pixelSizeX: cfg['x_pixel_size'],
      pixelSizeY: cfg['y_pixel_size'],
      countTime: cfg['count_time'],
      frameTime: cfg['frame_time'],
      numberOfImages: (cfg['nimages'] as number) * (cfg['ntrigger'] as number),
      saturationValue: null, // no countrate_correction_count_cutoff in this firmware's config
      detectorDescription: 'Dectris Eiger 4M',
      detectorSerialNumber: 'E-08-0115',
      sensorMaterial: 'Si',
      sensorThickness: cfg['sensor_thickness'],
      channels: ['threshold_1'],
      userData: '{"acqID": "test_1"}',
      pixelMask: {}, // the capture's mask and flatfield blobs are empty: not sent
      flatfield: {},
    });
    expect(start.wavelength).toBeCloseTo(1.5406, 4);
    expect(start.goniometer).toEqual({
      chi: { start: 0, increment: 0 },
      kappa: { start: 0, increment: 0 },
      omega: { start: 0, increment: 0 },
      phi: { start: 0, increment: 0 },
      two_theta: { start: 0, increment: 0 },
    });
    // Booleans arrive as 0/1 and are normalised; everything else is as sent.
    expect(start.config['pixel_mask_applied']).toBe(true);
    expect(start.config['efficiency_correction_applied']).toBe(false);
    expect(start.config['software_version']).toBe('1.6.6');
    expect(start.config['detector_orientation']).toEqual([-1, 0, 0, 0, -1, 0]);
    // The countrate table blob is real: [2, 4000] float32.
    const table = start.countrateTable!;
    expect(table).toBeInstanceOf(Float32Array);
    expect(table.length).toBe(8000);
    const blob = c.header[7]!;
    for (const i of [0, 1, 3999, 4000, 7999]) expect(table[i]).toBe(blob.readFloatLE(i * 4));

    const frames = byType(events, 'frame');
    const decoder = new FrameDecoder();
    frames.forEach((f, i) => {
      const desc = parseJson(c.images[i]![1]!);
      expect(f).toMatchObject({
        series: 6,
        frame: i,
        channel: 'threshold_1',
        width: 2070,
        height: 2167,
        dtype: 'uint16',
        userData: null,
      });
      expect(f.encoding).toEqual({ codec: 'bslz4', elemSize: 2, name: 'bs16-lz4<' });
      expect(desc['encoding']).toBe('bs16-lz4<');
      expect(f.data.byteLength).toBe(desc['size']);
      expect(Buffer.from(f.data).equals(c.images[i]![2]!)).toBe(true);
      const pixels = decoder.decodeFrame(f);
      expect(sha256(pixels)).toBe(goldens.v1[i]!.sha256);
    });
    // dconfig: 20 ns ticks (real_time 99251 against count_time 0.0019925 s), relative to frame 0.
    const tick = 20e-9;
    const timing = c.images.map(
      (m) => parseJson(m[3]!) as { start_time: number; stop_time: number; real_time: number },
    );
    frames.forEach((f, i) => {
      expect(f.realTime).toBeCloseTo(timing[i]!.real_time * tick, 12);
      expect(f.startTime).toBeCloseTo((timing[i]!.start_time - timing[0]!.start_time) * tick, 12);
      expect(f.stopTime).toBeCloseTo((timing[i]!.stop_time - timing[0]!.start_time) * tick, 12);
    });
    expect(frames[1]!.startTime).toBeCloseTo(100121 * 20e-9, 12); // one 2 ms frame_time later

    const end = events[4] as SeriesEnd;
    expect(end).toMatchObject({ series: 6, complete: true, reason: null, framesReceived: 3 });
  });
});

describe.skipIf(!v2)('V2: real EIGER2 16M capture (tickit) through the socket', () => {
  it('emits start, one frame and a complete end matching the CBOR bytes', async () => {
    const c = v2!;
    const { events, stats, log } = await exchange([c.start, c.image, c.end], { detectorDistance: 0.5 });
    expect(events.map((e) => e.type)).toEqual(['series-start', 'frame', 'series-end']);

    // cbor-x as an independent reading of the same start bytes.
    const ref = cborDecode(c.start) as Record<string, unknown>;
    const start = events[0] as SeriesStart;
    expect(start).toMatchObject({
      streamVersion: 2,
      series: 15614,
      seriesUniqueId: '01HBV3JPF9T4ZDPADX6EMK6XMZ',
      headerDetail: 'all',
      detectorDescription: 'Dectris EIGER2 Si 16M',
      detectorSerialNumber: 'E-32-0117',
      width: 4148,
      height: 4362,
      dtype: 'uint16', // no image_dtype in this capture: inferred from saturation_value 21517
      beamCenterX: ref['beam_center_x'],
      beamCenterY: ref['beam_center_y'],
      wavelength: ref['incident_wavelength'],
      photonEnergy: ref['incident_energy'],
      pixelSizeX: 7.5e-5,
      pixelSizeY: 7.5e-5,
      countTime: ref['count_time'],
      frameTime: ref['frame_time'],
      numberOfImages: 1,
      saturationValue: 21517,
      sensorMaterial: 'Si',
      sensorThickness: 0.00045,
      channels: ['threshold_1'],
      goniometer: {
        chi: { start: 30, increment: 0 },
        omega: { start: 0, increment: 0.1 },
        phi: { start: 0, increment: 0 },
      },
    });
    // No detector_distance in V2: |z| of detector_translation wins over the configured fallback.
    expect(start.detectorDistance).toBe(Math.abs((ref['detector_translation'] as number[])[2]!));
    expect(start.config['arm_date']).toBe('2023-10-03T17:47:48.329000+02:00'); // RFC 3339 text kept as sent
    expect(Date.parse(start.config['arm_date'] as string)).toBe((ref['arm_date'] as Date).getTime());
    expect(start.config['threshold_energy']).toEqual(ref['threshold_energy']);
    // This capture's mask, flatfield and countrate table were replaced by 4-byte stubs: dropped, with warnings.
    expect(start.pixelMask).toEqual({});
    expect(start.flatfield).toEqual({});
    expect(start.countrateTable).toBeNull();
    expect(stats.errors['header-array']).toBe(3);
    expect(log.problems.map((l) => l.message)).toEqual([
      expect.stringMatching(/pixel_mask\[threshold_1\].*expected a typed array.*byte string \(4 bytes\)/),
      expect.stringMatching(/flatfield\[threshold_1\].*expected a typed array/),
      expect.stringMatching(/countrate_correction_lookup_table.*expected a typed array/),
    ]);

    const frame = events[1] as Frame;
    expect(frame).toMatchObject({
      series: 15614,
      frame: 0,
      channel: 'threshold_1',
      width: 4148,
      height: 4362,
      dtype: 'uint16',
    });
    expect(frame.encoding).toEqual({ codec: 'bslz4', elemSize: 2, name: 'bslz4' });
    expect(frame.data.byteLength).toBe(0x7d43a); // the byte string length in the CBOR head
    expect(frame.startTime).toBe(0);
    expect(frame.realTime).toBe(215873 / 50_000_000);
    expect(frame.stopTime).toBe(215873 / 50_000_000);
    const pixels = new FrameDecoder().decodeFrame(frame);
    expect(sha256(pixels)).toBe(goldens.v2[0]!.sha256);
    let sum = 0;
    for (const v of pixels) sum += v;
    expect(sum).toBe(goldens.v2[0]!.sum);

    expect(events[2]).toMatchObject({
      type: 'series-end',
      series: 15614,
      seriesUniqueId: '01HBV3JPF9T4ZDPADX6EMK6XMZ',
      complete: true,
      framesReceived: 1,
    });
    expect(stats.snapshot()).toMatchObject({ messages: 3, frames: 1, series: 1 });
  });
});
