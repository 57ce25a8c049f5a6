// First-in first-out spill of tasks to local disk, used when the good path falls behind
// beyond its memory budget. Records are appended and read back in order; the file is
// truncated whenever it has been drained, so disk use follows the backlog.
import { closeSync, mkdirSync, openSync, readSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import type { Task, TaskHeader } from './Task.js';

const LENGTHS = 8; // u32 header length + u32 data length

export class SpillFile {
  private fd: number | null = null;
  private readonly path: string;
  private writeOffset = 0;
  private readOffset = 0;
  private count = 0;
  private bytes = 0;
  private readonly lengths = Buffer.alloc(LENGTHS);

  constructor(dir: string, name: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${name}-${process.pid}.spill`);
  }

  get length(): number {
    return this.count;
  }

  /** Bytes currently held on disk. */
  get diskBytes(): number {
    return this.bytes;
  }

  push(task: Task): void {
    if (this.fd === null) this.fd = openSync(this.path, 'w+');
    const header = encode(task.header);
    this.lengths.writeUInt32LE(header.byteLength, 0);
    this.lengths.writeUInt32LE(task.data.byteLength, 4);
    this.writeAll(this.lengths);
    this.writeAll(header);
    this.writeAll(task.data);
    this.count++;
    this.bytes += LENGTHS + header.byteLength + task.data.byteLength;
  }

  shift(): Task | undefined {
    if (this.count === 0 || this.fd === null) return undefined;
    this.readAll(this.lengths);
    const header = Buffer.allocUnsafe(this.lengths.readUInt32LE(0));
    const data = Buffer.allocUnsafe(this.lengths.readUInt32LE(4));
    this.readAll(header);
    this.readAll(data);
    this.count--;
    this.bytes -= LENGTHS + header.byteLength + data.byteLength;
    if (this.count === 0) this.reset();
    return { header: decode(header) as TaskHeader, data };
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.path, { force: true });
  }

  private reset(): void {
    if (this.fd !== null) ftruncateSync(this.fd, 0);
    this.writeOffset = 0;
    this.readOffset = 0;
  }

  private writeAll(buf: Uint8Array): void {
    let done = 0;
    while (done < buf.byteLength) {
      done += writeSync(this.fd!, buf, done, buf.byteLength - done, this.writeOffset + done);
    }
    this.writeOffset += buf.byteLength;
  }

  private readAll(buf: Uint8Array): void {
    let done = 0;
    while (done < buf.byteLength) {
      const n = readSync(this.fd!, buf, done, buf.byteLength - done, this.readOffset + done);
      if (n === 0) throw new Error(`spill file ${this.path} ended early (truncated on disk?)`);
      done += n;
    }
    this.readOffset += buf.byteLength;
  }
}
