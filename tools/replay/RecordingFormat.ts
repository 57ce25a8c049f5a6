// The recording file format (".sprec"): every ZeroMQ message of a detector stream, every part
// byte for byte, with its arrival time, so a session can be replayed exactly.
//
//   file header (24 bytes)
//     0   8  magic  "SPREC\r\n\x1a"   (the \r\n and ^Z catch text-mode mangling, as PNG's do)
//     8   4  u32 LE format version (1)
//     12  4  u32 LE flags (0; reserved)
//     16  8  u64 LE wall-clock time the recording started, ns since the Unix epoch
//   then, per message, until end of file:
//     0   8  u64 LE arrival time, ns since the recording started (monotonic clock)
//     8   4  u32 LE part count n (>= 1)
//     12  8n n x u64 LE part lengths
//     ..     the n parts' bytes, back to back, in order
//
// All integers little-endian. A file cut short (recorder killed) ends inside a message; readers
// deliver every complete message and then report the truncation.

export const RECORDING_MAGIC = Buffer.from('SPREC\r\n\x1a', 'latin1');
export const RECORDING_VERSION = 1;
export const FILE_HEADER_BYTES = 24;
export const MESSAGE_FIXED_BYTES = 12;
/** Sanity bound on parts per message (a V1 header has at most 9). */
export const MAX_PARTS = 1 << 16;

export interface RecordedMessage {
  /** Arrival time in ns since the recording started. */
  timeNs: bigint;
  parts: Buffer[];
}

export class RecordingError extends Error {
  constructor(
    message: string,
    readonly code: 'ERR_NOT_RECORDING' | 'ERR_VERSION' | 'ERR_TRUNCATED' | 'ERR_CORRUPT' | 'ERR_IO',
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

export function encodeFileHeader(startedAtNs: bigint): Buffer {
  const header = Buffer.alloc(FILE_HEADER_BYTES);
  RECORDING_MAGIC.copy(header, 0);
  header.writeUInt32LE(RECORDING_VERSION, 8);
  header.writeUInt32LE(0, 12);
  header.writeBigUInt64LE(startedAtNs, 16);
  return header;
}

/** The per-message header: time, part count and part lengths. */
export function encodeMessageHeader(timeNs: bigint, parts: readonly Uint8Array[]): Buffer {
  const header = Buffer.allocUnsafe(MESSAGE_FIXED_BYTES + 8 * parts.length);
  header.writeBigUInt64LE(timeNs, 0);
  header.writeUInt32LE(parts.length, 8);
  for (let i = 0; i < parts.length; i++) header.writeBigUInt64LE(BigInt(parts[i]!.length), MESSAGE_FIXED_BYTES + 8 * i);
  return header;
}
