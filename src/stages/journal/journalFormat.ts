// The good path's journal on disk (pipeline.good.journal_dir): segment files of task records,
// in the manner of a write-ahead log, and one file of done marks.
//
//   segment-NNNNNN.spj
//     file header (16 bytes)
//       0   8  magic "SPJRNL\r\n"
//       8   4  u32 LE format version (1)
//       12  4  u32 LE segment number
//     then, per received frame, a record:
//       0   4  u32 LE body length L
//       4   4  u32 LE CRC-32 of the body
//       8   L  body: u32 LE length H of the task header, the header as JSON (TaskHeader:
//                run, series, frame, encoding, shape...), then the frame's compressed bytes
//                exactly as the detector sent them
//   done.log
//     8 bytes per good-path frame finished: u32 LE run, u32 LE image number
//
// Records are only ever appended. A process killed mid-write leaves its last record short (or,
// with a page not yet written, with a body that fails its CRC): readers stop at it and report
// it, never hand it out. All integers little-endian.
import { crc32 } from '../../util/crc32.js';

export const SEGMENT_MAGIC = Buffer.from('SPJRNL\r\n', 'latin1');
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
export const RECORD_HEAD_BYTES = 8;
export const DONE_MARK_BYTES = 8;
/** No frame record is larger (the receiver's own frame size limit is far below). */
export const MAX_RECORD_BYTES = 1 << 30;

export const segmentName = (n: number): string => `segment-${String(n).padStart(6, '0')}.spj`;
export const SEGMENT_FILE = /^segment-(\d{6,})\.spj$/;
export const DONE_FILE = 'done.log';

export function encodeSegmentHeader(segment: number): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(b, 0);
  b.writeUInt32LE(SEGMENT_VERSION, 8);
  b.writeUInt32LE(segment, 12);
  return b;
}

/** What is wrong with a segment's file header, or null. */
export function segmentHeaderProblem(b: Buffer, segment: number): string | null {
  if (b.length < SEGMENT_HEADER_BYTES || !b.subarray(0, 8).equals(SEGMENT_MAGIC))
    return 'not a journal segment (bad magic)';
  const version = b.readUInt32LE(8);
  if (version !== SEGMENT_VERSION) return `journal format version ${version}, this pipeline reads ${SEGMENT_VERSION}`;
  if (b.readUInt32LE(12) !== segment) return `its header names segment ${b.readUInt32LE(12)}`;
  return null;
}

/** The record's buffers, for one vectored write: its head, the header JSON, the frame bytes. */
export function encodeTaskRecord(header: object, data: Uint8Array): Buffer[] {
  const json = Buffer.from(JSON.stringify(header));
  const lead = Buffer.allocUnsafe(RECORD_HEAD_BYTES + 4);
  lead.writeUInt32LE(4 + json.length + data.byteLength, 0);
  lead.writeUInt32LE(json.length, RECORD_HEAD_BYTES);
  const crc = crc32(data, crc32(json, crc32(lead.subarray(RECORD_HEAD_BYTES))));
  lead.writeUInt32LE(crc, 4);
  return [lead, json, Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
}

export type RecordCheck = { ok: true; header: unknown; data: Buffer } | { ok: false; problem: string };

/** Checks and splits a record's body (its length and CRC read from the head). */
export function decodeTaskRecord(body: Buffer, crc: number): RecordCheck {
  if (crc32(body) !== crc) return { ok: false, problem: 'its CRC does not match (written only in part)' };
  if (body.length < 4) return { ok: false, problem: 'its body is too short' };
  const jsonBytes = body.readUInt32LE(0);
  if (4 + jsonBytes > body.length) return { ok: false, problem: 'its header length exceeds the record' };
  try {
    const header: unknown = JSON.parse(body.subarray(4, 4 + jsonBytes).toString('utf8'));
    return { ok: true, header, data: body.subarray(4 + jsonBytes) };
  } catch {
    return { ok: false, problem: 'its header is no JSON' };
  }
}

export function encodeDoneMark(run: number, frame: number): Buffer {
  const b = Buffer.allocUnsafe(DONE_MARK_BYTES);
  b.writeUInt32LE(run >>> 0, 0);
  b.writeUInt32LE(frame >>> 0, 4);
  return b;
}
