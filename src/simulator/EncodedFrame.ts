// A synthetic frame as the simulator sends it: synthesised, bitshuffle-LZ4 compressed as the
// detector compresses, with the md5 V1 announces and the truth of what it shows.
import { createHash } from 'node:crypto';
import { encodePixels } from '../codec/FrameEncoder.js';
import type { DetectorModel } from './DetectorModel.js';
import { synthesizeFrameInto, type FrameTruth, type SynthOptions } from './FrameSynth.js';

export interface EncodedFrame {
  /** The synthesis index this frame was made from (frame index in live mode, pool slot otherwise). */
  sourceIndex: number;
  /** bslz4 blob with its 12-byte header. */
  blob: Buffer;
  md5: string;
  truth: FrameTruth;
}

/** Synthesises frame `sourceIndex` into `scratch` (width*height pixels of the dtype) and encodes it. */
export function encodeSynthFrame(
  model: DetectorModel,
  synth: SynthOptions,
  seed: number,
  sourceIndex: number,
  scratch: Uint16Array | Uint32Array,
): EncodedFrame {
  const truth = synthesizeFrameInto(model, synth, sourceIndex, seed, scratch);
  const elemSize = synth.dtype === 'uint16' ? 2 : 4;
  const encoded = encodePixels(scratch, { codec: 'bslz4', elemSize, name: 'bslz4' });
  const blob = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  const md5 = createHash('md5').update(blob).digest('hex');
  return { sourceIndex, blob, md5, truth };
}

/** A pixel buffer for one frame of the model in the dtype. */
export function scratchPixels(model: DetectorModel, dtype: SynthOptions['dtype']): Uint16Array | Uint32Array {
  return dtype === 'uint16' ? new Uint16Array(model.pixelCount) : new Uint32Array(model.pixelCount);
}
