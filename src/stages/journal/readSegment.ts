// Reads one journal segment record by record, for the start of a pipeline whose earlier life
// died: every whole record in order, then how the segment ended (cleanly, or in a record that
// was being written when the process died, which is dropped and never misread).
import type { FileHandle } from 'node:fs/promises';
import {
  decodeTaskRecord,
  MAX_RECORD_BYTES,
  RECORD_HEAD_BYTES,
  SEGMENT_HEADER_BYTES,
  segmentHeaderProblem,
} from './journalFormat.js';

export interface SegmentRecord {
  header: unknown;
  data: Buffer;
}

/** How reading a segment ended: 'end' after its last whole record, else what was wrong. */
export type SegmentEnd = { kind: 'end' } | { kind: 'torn' | 'damaged'; at: number; problem: string };

/** Calls `each` for every whole record (awaiting it: the caller paces the reading). */
export async function readSegment(
  file: FileHandle,
  segment: number,
  each: (record: SegmentRecord) => Promise<void>,
): Promise<SegmentEnd> {
  const { size } = await file.stat();
  const head = Buffer.alloc(Math.max(SEGMENT_HEADER_BYTES, RECORD_HEAD_BYTES));
  await readExactly(file, head, SEGMENT_HEADER_BYTES, 0);
  const problem = segmentHeaderProblem(head.subarray(0, SEGMENT_HEADER_BYTES), segment);
  if (problem) return { kind: 'damaged', at: 0, problem };
  let at = SEGMENT_HEADER_BYTES;
  while (at < size) {
    if (size - at < RECORD_HEAD_BYTES) return { kind: 'torn', at, problem: 'the file ends inside a record head' };
    await readExactly(file, head, RECORD_HEAD_BYTES, at);
    const length = head.readUInt32LE(0);
    const crc = head.readUInt32LE(4);
    if (length > MAX_RECORD_BYTES) return { kind: 'damaged', at, problem: `a record claims ${length} bytes` };
    if (size - at - RECORD_HEAD_BYTES < length) return { kind: 'torn', at, problem: 'the file ends inside a record' };
    const body = Buffer.allocUnsafe(length);
    await readExactly(file, body, length, at + RECORD_HEAD_BYTES);
    const record = decodeTaskRecord(body, crc);
    // A record that fails its check is the last one written when the process died if nothing
    // follows it; with records after it, the file was damaged otherwise.
    if (!record.ok) {
      const last = at + RECORD_HEAD_BYTES + length === size;
      return { kind: last ? 'torn' : 'damaged', at, problem: record.problem };
    }
    await each({ header: record.header, data: record.data });
    at += RECORD_HEAD_BYTES + length;
  }
  return { kind: 'end' };
}

async function readExactly(file: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`journal segment ends early at byte ${position + done}`);
    done += bytesRead;
  }
}
