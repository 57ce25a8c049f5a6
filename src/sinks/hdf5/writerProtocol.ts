// The messages between the pipeline (HitFiles) and its hit-file writer process (writerProcess),
// over the child's IPC channel with structured-clone serialization, so chunks travel as bytes.
// The writer answers each frame once: written, or not written with the reason.
import type { Codec } from '../../receiver/events.js';
import type { FileRecord, NotWrittenReason } from '../records.js';
import type { HitFileSeries, HitFrame } from './hitFileTypes.js';

export type ToWriter =
  /** A series begins: create its first files (the prefix may become prefix_2... when taken). */
  | { t: 'open'; run: number; series: HitFileSeries }
  /** A frame as the detector encoded it: the writer makes it bitshuffle+LZ4 when it is not. */
  | { t: 'frame'; run: number; frame: HitFrame; codec: Codec; elemSize: 1 | 2 | 4 }
  /** Every frame of the run has been sent: close its files, write the master. */
  | { t: 'finish'; run: number; endedAt: number };

export type FromWriter =
  | { t: 'written'; run: number; image: number; hit: boolean }
  | { t: 'not-written'; run: number; image: number; reason: NotWrittenReason; detail?: string }
  | { t: 'file'; run: number; record: FileRecord }
  /** The run's files cannot be written any more (logged once by the pipeline, with the path). */
  | { t: 'run-failed'; run: number; message: string }
  /** The run is closed (its files were announced one by one with 'file'). */
  | { t: 'finished'; run: number };
