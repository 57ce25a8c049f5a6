// A series' header message, kept so a restarted pipeline can decode the rest of the series: the
// ZeroMQ message's parts byte for byte (V1: the JSON parts with mask and flat field; V2: the
// CBOR start message), as the detector sent them, so the decoder that reads them again is the
// receiver's own.
//
//   0   8  magic "SPHEAD\r\n"
//   8   4  u32 LE version (1)
//   12  4  u32 LE part count n (1 .. 64)
//   16  8n n x u64 LE part lengths
//   ..     the parts back to back
//   end 4  u32 LE CRC-32 of everything before it
import { crc32 } from '../../util/crc32.js';

const MAGIC = Buffer.from('SPHEAD\r\n', 'latin1');
const VERSION = 1;
/** A V1 header has at most 9 parts; anything far above is no header of ours. */
const MAX_PARTS = 64;

export function encodeHeaderFile(parts: readonly Uint8Array[]): Buffer[] {
  const head = Buffer.alloc(16 + 8 * parts.length);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(VERSION, 8);
  head.writeUInt32LE(parts.length, 12);
  parts.forEach((p, i) => head.writeBigUInt64LE(BigInt(p.byteLength), 16 + 8 * i));
  let crc = crc32(head);
  for (const p of parts) crc = crc32(p, crc);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(crc, 0);
  return [head, ...parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)), tail];
}

/** The parts, or throws naming what is wrong with the file's bytes. */
export function decodeHeaderFile(bytes: Buffer): Buffer[] {
  if (bytes.length < 20 || !bytes.subarray(0, 8).equals(MAGIC)) throw new Error('not a series header file (bad magic)');
  const version = bytes.readUInt32LE(8);
  if (version !== VERSION) throw new Error(`header file version ${version}, this pipeline reads ${VERSION}`);
  const n = bytes.readUInt32LE(12);
  if (n < 1 || n > MAX_PARTS || bytes.length < 20 + 8 * n) throw new Error(`header file names ${n} parts`);
  let at = 16 + 8 * n;
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const len = Number(bytes.readBigUInt64LE(16 + 8 * i));
    lengths.push(len);
    at += len;
  }
  if (at + 4 !== bytes.length) throw new Error(`header file is ${bytes.length} bytes, its parts make ${at + 4}`);
  if (crc32(bytes.subarray(0, at)) !== bytes.readUInt32LE(at)) throw new Error('header file is damaged (CRC mismatch)');
  const parts: Buffer[] = [];
  let from = 16 + 8 * n;
  for (const len of lengths) {
    parts.push(bytes.subarray(from, from + len));
    from += len;
  }
  return parts;
}
