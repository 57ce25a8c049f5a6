// The spill's file I/O, asynchronous (libuv's thread pool), so a disk that stalls holds up a
// pool thread rather than the event loop. None of these reject with anything but an I/O error,
// and readRecord does not reject at all: an unreadable record is a value, not an exception.
import { open, read, write } from 'node:fs';
import { decode } from '@msgpack/msgpack';
import type { SpilledHeader, SpillRecord } from './SpillFile.js';

/** u32 header length + u32 data length, before each record's header and data. */
export const LENGTHS = 8;

export function openSegment(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
}

function writeSome(fd: number, buf: Uint8Array, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, buf, offset, buf.byteLength - offset, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

function readSome(fd: number, buf: Uint8Array, offset: number, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buf, offset, buf.byteLength - offset, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

async function writeAll(fd: number, buf: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < buf.byteLength) {
    const n = await writeSome(fd, buf, done, position + done);
    if (n === 0) throw new Error(`spill write made no progress at byte ${position + done}`);
    done += n;
  }
  return position + done;
}

/** Writes one record (lengths, header, data) at `position`. */
export async function writeRecord(fd: number, position: number, header: Uint8Array, data: Uint8Array): Promise<void> {
  const prefix = Buffer.allocUnsafe(LENGTHS + header.byteLength);
  prefix.writeUInt32LE(header.byteLength, 0);
  prefix.writeUInt32LE(data.byteLength, 4);
  prefix.set(header, LENGTHS);
  const at = await writeAll(fd, prefix, position);
  await writeAll(fd, data, at);
}

/**
 * Reads back the record of `recordBytes` at `position` that was written for task `id`:
 * undefined when what is there is not that record (the file changed under us), the error
 * when the disk would not give it back.
 */
export async function readRecord<H extends SpilledHeader>(
  fd: number,
  position: number,
  recordBytes: number,
  id: number,
): Promise<SpillRecord<H> | Error | undefined> {
  const buf = Buffer.allocUnsafe(recordBytes);
  try {
    let done = 0;
    while (done < recordBytes) {
      const n = await readSome(fd, buf, done, position + done);
      if (n === 0) throw new Error(`spill record ends early at byte ${position + done} (file truncated?)`);
      done += n;
    }
    return parseRecord<H>(buf, id);
  } catch (err) {
    return err as Error;
  }
}

function parseRecord<H extends SpilledHeader>(buf: Buffer, id: number): SpillRecord<H> | undefined {
  const headerBytes = buf.readUInt32LE(0);
  const dataBytes = buf.readUInt32LE(4);
  // Lengths that disagree with what was written mean the file changed under us.
  if (LENGTHS + headerBytes + dataBytes !== buf.byteLength) return undefined;
  const decoded = decode(buf.subarray(LENGTHS, LENGTHS + headerBytes)) as H;
  if (decoded === null || typeof decoded !== 'object' || decoded.id !== id) return undefined;
  return { header: decoded, data: buf.subarray(LENGTHS + headerBytes) };
}
