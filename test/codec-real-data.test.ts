// Real detector frames decoded by our codec, compared with the reference decode made by Debian's
// bitshuffle / h5py + hdf5plugin: committed goldens (test/goldens/codec/real-frames.json, made by
// generate.py there) and, when /usr/bin/python3 has the tools, a live run of the same script.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FrameDecoder, type PixelArray } from '../src/codec/FrameDecoder.js';
import { parseV1Encoding, v2Encoding } from '../src/codec/encodings.js';
import { nativeCodec } from '../src/codec/nativeCodec.js';
import { supportedCpuLevels } from '../src/native/cpuLevel.js';
import { nativeAddon } from '../src/native/addon.js';
import type { FrameEncoding, PixelDtype } from '../src/receiver/events.js';
import { pythonHas, runPython } from './goldens/codec/pythonReference.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DATA = resolve(HERE, '..', '..', 'shared', 'data');
const GOLDEN_DIR = join(HERE, 'goldens', 'codec');

interface Golden {
  width: number;
  height: number;
  dtype: PixelDtype;
  blobSha256: string;
  sha256: string;
  pixels: Record<string, number>;
  samples: Record<string, number>;
  sum: number;
  countMax: number;
  countEqualMax: number;
  chunkOffset?: number;
  chunkSize?: number;
}
type Goldens = Record<'dls_v1_streamfile_12' | 'tickit_v2_frame_sample' | 'hdf5plugin_bitshuffle_h5', Golden>;
const goldens = JSON.parse(readFileSync(join(GOLDEN_DIR, 'real-frames.json'), 'utf8')) as Goldens;

interface RealFrame {
  key: keyof Goldens;
  blob: Uint8Array;
  encoding: FrameEncoding;
}

function loadFrames(): RealFrame[] | null {
  const dls = join(DATA, 'captures', 'dls_v1_eiger4m', 'streamfile_12');
  const tickit = join(DATA, 'captures', 'tickit_v2_eiger2_16m', 'frame_sample');
  const h5 = join(DATA, 'hdf5plugin', 'bitshuffle.h5');
  if (![dls, tickit, h5].every((p) => existsSync(p))) return null;
  const g = goldens.hdf5plugin_bitshuffle_h5;
  const chunk = readFileSync(h5).subarray(g.chunkOffset!, g.chunkOffset! + g.chunkSize!);
  return [
    { key: 'dls_v1_streamfile_12', blob: readFileSync(dls), encoding: parseV1Encoding('bs16-lz4<', 'uint16') },
    { key: 'tickit_v2_frame_sample', blob: readFileSync(tickit), encoding: v2Encoding('bslz4', 2) },
    { key: 'hdf5plugin_bitshuffle_h5', blob: chunk, encoding: parseV1Encoding('bs32-lz4<', 'uint32') },
  ];
}

const frames = loadFrames();
if (!frames) console.warn(`real data not found under ${DATA}; skipping the real-frame codec tests`);

const sha256 = (v: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))
    .digest('hex');

function checkAgainstGolden(px: PixelArray, g: Golden): void {
  expect(px.length).toBe(g.width * g.height);
  expect(sha256(px)).toBe(g.sha256);
  for (const [yx, value] of Object.entries(g.pixels)) {
    const [y, x] = yx.split(',').map(Number) as [number, number];
    expect(px[y * g.width + x], `pixel (${yx})`).toBe(value);
  }
  for (const [index, value] of Object.entries(g.samples)) expect(px[Number(index)], `pixel #${index}`).toBe(value);
  let sum = 0;
  let atMax = 0;
  for (let i = 0; i < px.length; i++) {
    const v = px[i]!;
    sum += v;
    if (v === g.countMax) atMax++;
  }
  expect(sum).toBe(g.sum);
  expect(atMax).toBe(g.countEqualMax);
}

describe.skipIf(!frames)('real frames', () => {
  const codec = nativeCodec();
  const initialLevel = nativeAddon().cpuLevel();
  afterAll(() => {
    nativeAddon().setCpuLevel(initialLevel);
  });

  it('are the blobs the goldens were made from', () => {
    for (const f of frames!) expect(sha256(f.blob), f.key).toBe(goldens[f.key].blobSha256);
  });

  it('decode to the reference pixels at every CPU level', () => {
    const decoder = new FrameDecoder();
    for (const level of supportedCpuLevels()) {
      nativeAddon().setCpuLevel(level);
      for (const f of frames!) {
        const g = goldens[f.key];
        const px = decoder.decode(f.blob, f.encoding, g.width, g.height, g.dtype);
        checkAgainstGolden(px, g);
      }
    }
  });

  it('the bitshuffle.h5 frame has its known value and masked gaps', () => {
    const f = frames!.find((x) => x.key === 'hdf5plugin_bitshuffle_h5')!;
    const px = new FrameDecoder().decode(f.blob, f.encoding, 2070, 2167, 'uint32') as Uint32Array;
    expect(px[1372 * 2070 + 613]).toBe(922);
    // Module gap rows 514..550 are masked (0xFFFFFFFF) across the width.
    for (const x of [0, 500, 1500, 2069]) expect(px[520 * 2070 + x]).toBe(0xffffffff);
  });

  it('report the decoded size from the header without decoding', () => {
    const decoder = new FrameDecoder();
    for (const f of frames!) {
      const g = goldens[f.key];
      const bytes = g.width * g.height * f.encoding.elemSize;
      expect(decoder.headerTotalBytes(f.blob, f.encoding)).toBe(bytes);
      expect(codec.decodedSize(f.blob, 3, f.encoding.elemSize)).toBe(bytes);
    }
  });

  it('the three DLS V1 frames all decode', () => {
    const decoder = new FrameDecoder();
    for (const n of [12, 16, 20]) {
      const blob = readFileSync(join(DATA, 'captures', 'dls_v1_eiger4m', `streamfile_${n}`));
      const px = decoder.decode(blob, parseV1Encoding('bs16-lz4<', 'uint16'), 2070, 2167, 'uint16');
      expect(px.length).toBe(2070 * 2167);
      if (sha256(blob) === goldens.dls_v1_streamfile_12.blobSha256)
        checkAgainstGolden(px, goldens.dls_v1_streamfile_12);
    }
  });

  it.skipIf(!pythonHas('numpy', 'bitshuffle', 'h5py', 'hdf5plugin'))(
    'the reference tools, run now, agree with the committed goldens',
    () => {
      const script = readFileSync(join(GOLDEN_DIR, 'generate.py'), 'utf8').replace(
        'ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))',
        `ROOT = ${JSON.stringify(resolve(HERE, '..'))}`,
      );
      const live = runPython<Goldens>(script);
      expect(live).toEqual(goldens);
    },
  );
});
