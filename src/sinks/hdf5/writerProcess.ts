// Process: the hit-file writer, a child of the pipeline (forked by HitWriterProcess as
// `stream-pipeline hdf5-writer`). The only
// process that loads the HDF5 addon, and one thread in it calls HDF5 (Debian's libhdf5 is not
// thread-safe); the pipeline's event loop never waits on a disk or on HDF5.
//
// Takes series and frames over the IPC channel (writerProtocol.ts), makes chunks that did not
// arrive as bitshuffle+LZ4 into bitshuffle+LZ4 with our codec, writes them with NxmxSeriesWriter
// and answers each frame once. A frame that cannot be made a valid chunk is refused alone
// ('bad-frame'); a run whose files fail (full disk, vanished directory) is closed as far as it
// can be and its later frames are answered 'write-failed'; other runs go on. Every file
// published is announced once, also when a later step of the same run fails.
import { FrameDecoder } from '../../codec/FrameDecoder.js';
import { nativeCodec } from '../../codec/nativeCodec.js';
import type { FileRecord } from '../records.js';
import { NxmxSeriesWriter, freePrefix } from './NxmxSeriesWriter.js';
import type { FromWriter, ToWriter } from './writerProtocol.js';

interface RunState {
  writer: NxmxSeriesWriter | null;
  /** Of writer.published, how many were announced. */
  announced: number;
  width: number;
  height: number;
}

const runs = new Map<number, RunState>();
const decoder = new FrameDecoder();

function send(msg: FromWriter): void {
  process.send?.(msg);
}

/** Announces the files the run's writer published since the last call. */
function announce(run: number, state: RunState): void {
  const published: FileRecord[] = state.writer?.published ?? [];
  for (; state.announced < published.length; state.announced++) {
    const record = published[state.announced]!;
    send({ t: 'file', run, record });
  }
}

/** The run's files are lost to an error: say so once, keep what is complete. */
function fail(run: number, state: RunState, err: unknown): void {
  announce(run, state);
  send({ t: 'run-failed', run, message: (err as Error).message });
  try {
    state.writer?.abort();
  } catch {
    // already failing; the message above names the cause
  }
  state.writer = null;
}

function open(msg: ToWriter & { t: 'open' }): void {
  const run = msg.run;
  const { width, height } = msg.series;
  const state: RunState = { writer: null, announced: 0, width, height };
  runs.set(run, state);
  try {
    const prefix = freePrefix(msg.series.directory, msg.series.prefix);
    state.writer = new NxmxSeriesWriter({ ...msg.series, prefix });
  } catch (err) {
    fail(run, state, err);
  }
}

/** The frame as bitshuffle+LZ4, the only chunk encoding the files hold. */
function bslz4Chunk(msg: ToWriter & { t: 'frame' }, state: RunState): Uint8Array {
  if (msg.codec === 'bslz4') return msg.frame.chunk;
  const dtype = msg.elemSize === 1 ? 'uint8' : msg.elemSize === 2 ? 'uint16' : 'uint32';
  const name = msg.codec === 'raw' ? '<' : msg.codec;
  const pixels = decoder.decode(
    msg.frame.chunk,
    { codec: msg.codec, elemSize: msg.elemSize, name },
    state.width,
    state.height,
    dtype,
  );
  return nativeCodec().encodeBslz4(pixels, msg.elemSize);
}

function frame(msg: ToWriter & { t: 'frame' }): void {
  const state = runs.get(msg.run);
  const image = msg.frame.image;
  if (!state?.writer) {
    send({ t: 'not-written', run: msg.run, image, reason: 'write-failed' });
    return;
  }
  let chunk: Uint8Array;
  try {
    chunk = bslz4Chunk(msg, state);
  } catch (err) {
    send({ t: 'not-written', run: msg.run, image, reason: 'bad-frame', detail: (err as Error).message });
    return;
  }
  try {
    state.writer.write({ ...msg.frame, chunk });
    // The frame first, then the file it completed: the pipeline counts it in that file.
    send({ t: 'written', run: msg.run, image, hit: msg.frame.result.hit });
    announce(msg.run, state);
  } catch (err) {
    if (state.writer.usable) {
      // Refused before anything reached the file (wrong size, impossible values): this frame only.
      send({ t: 'not-written', run: msg.run, image, reason: 'bad-frame', detail: (err as Error).message });
      return;
    }
    send({ t: 'not-written', run: msg.run, image, reason: 'write-failed' });
    fail(msg.run, state, err);
  }
}

function finish(msg: ToWriter & { t: 'finish' }): void {
  const state = runs.get(msg.run);
  runs.delete(msg.run);
  if (state?.writer) {
    try {
      state.writer.finish(msg.endedAt);
      announce(msg.run, state);
    } catch (err) {
      fail(msg.run, state, err);
    }
  }
  send({ t: 'finished', run: msg.run });
}

/** Serves the pipeline that forked this process (`stream-pipeline hdf5-writer`) until it goes. */
export function runHitWriter(): void {
  if (!process.send) throw new Error('the hit-file writer is started by the pipeline, with an IPC channel');
  process.on('message', (msg: ToWriter) => {
    if (msg.t === 'open') open(msg);
    else if (msg.t === 'frame') frame(msg);
    else finish(msg);
  });
  // The pipeline gone, nothing is left to write for: temporary files stay clearly partial.
  process.on('disconnect', () => process.exit(0));
}
