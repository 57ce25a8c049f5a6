// Reads a recording file message by message with a bounded buffer: memory use is one read
// buffer plus the parts of the message being handed out, whatever the file size.
import { open, type FileHandle } from 'node:fs/promises';
import {
  FILE_HEADER_BYTES,
  MAX_PARTS,
  MESSAGE_FIXED_BYTES,
  RECORDING_MAGIC,
  RECORDING_VERSION,
  RecordingError,
  type RecordedMessage,
} from './RecordingFormat.js';

const READ_CHUNK = 4 << 20;

export class RecordingReader {
  readonly path: string;
  readonly startedAtNs: bigint;
  readonly fileBytes: number;
  private readonly file: FileHandle;

  private constructor(path: string, file: FileHandle, startedAtNs: bigint, fileBytes: number) {
    this.path = path;
    this.file = file;
    this.startedAtNs = startedAtNs;
    this.fileBytes = fileBytes;
  }

  /** Opens a recording and checks its header; errors name the file and what is wrong. */
  static async open(path: string): Promise<RecordingReader> {
    let file: FileHandle;
    try {
      file = await open(path, 'r');
    } catch (err) {
      throw new RecordingError(`cannot open recording ${path}: ${(err as Error).message}`, 'ERR_IO');
    }
    try {
      const { size } = await file.stat();
      const header = Buffer.alloc(FILE_HEADER_BYTES);
      const { bytesRead } = await file.read(header, 0, FILE_HEADER_BYTES, 0);
      if (bytesRead < FILE_HEADER_BYTES || !header.subarray(0, 8).equals(RECORDING_MAGIC)) {
        throw new RecordingError(`${path} is not a stream-pipeline recording (bad magic)`, 'ERR_NOT_RECORDING');
      }
      const version = header.readUInt32LE(8);
      if (version !== RECORDING_VERSION) {
        throw new RecordingError(
          `${path}: recording format version ${version} is not supported (expected ${RECORDING_VERSION})`,
          'ERR_VERSION',
        );
      }
      return new RecordingReader(path, file, header.readBigUInt64LE(16), size);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  /**
   * Every message in order. Throws RecordingError ERR_TRUNCATED after the last complete message
   * when the file ends inside a message.
   */
  async *messages(): AsyncGenerator<RecordedMessage> {
    const cursor = new Cursor(this.file, FILE_HEADER_BYTES, this.fileBytes);
    let index = 0;
    while (!cursor.atEnd()) {
      const fixed = await cursor.take(MESSAGE_FIXED_BYTES, () => this.truncated(index));
      const timeNs = fixed.readBigUInt64LE(0);
      const count = fixed.readUInt32LE(8);
      if (count === 0 || count > MAX_PARTS) {
        throw new RecordingError(
          `${this.path}: message ${index} claims ${count} parts; the file is corrupt`,
          'ERR_CORRUPT',
        );
      }
      const lengths = await cursor.take(8 * count, () => this.truncated(index));
      const parts: Buffer[] = [];
      for (let p = 0; p < count; p++) {
        const length = lengths.readBigUInt64LE(8 * p);
        if (length > BigInt(this.fileBytes)) throw this.truncated(index);
        parts.push(await cursor.takeOwned(Number(length), () => this.truncated(index)));
      }
      yield { timeNs, parts };
      index++;
    }
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private truncated(index: number): RecordingError {
    return new RecordingError(
      `${this.path} is truncated: message ${index} ends past the end of the file (was the recorder killed?)`,
      'ERR_TRUNCATED',
    );
  }
}

/** Sequential reads through a reusable buffer; large parts are read straight into their own buffer. */
class Cursor {
  private buffer = Buffer.allocUnsafe(READ_CHUNK);
  private start = 0;
  private end = 0;

  constructor(
    private readonly file: FileHandle,
    private position: number,
    private readonly fileBytes: number,
  ) {}

  atEnd(): boolean {
    return this.start === this.end && this.position >= this.fileBytes;
  }

  /** n bytes as a view of the internal buffer, valid until the next call. */
  async take(n: number, onShort: () => Error): Promise<Buffer> {
    if (this.end - this.start < n) await this.fill(n, onShort);
    const view = this.buffer.subarray(this.start, this.start + n);
    this.start += n;
    return view;
  }

  /** n bytes in a buffer of their own (safe to keep and to hand to ZeroMQ). */
  async takeOwned(n: number, onShort: () => Error): Promise<Buffer> {
    const out = Buffer.allocUnsafe(n);
    const buffered = Math.min(n, this.end - this.start);
    this.buffer.copy(out, 0, this.start, this.start + buffered);
    this.start += buffered;
    let at = buffered;
    while (at < n) {
      const { bytesRead } = await this.file.read(out, at, n - at, this.position);
      if (bytesRead === 0) throw onShort();
      at += bytesRead;
      this.position += bytesRead;
    }
    return out;
  }

  private async fill(n: number, onShort: () => Error): Promise<void> {
    const have = this.end - this.start;
    if (this.buffer.length < n) {
      const bigger = Buffer.allocUnsafe(n);
      this.buffer.copy(bigger, 0, this.start, this.end);
      this.buffer = bigger;
    } else {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = have;
    while (this.end < n) {
      const { bytesRead } = await this.file.read(this.buffer, this.end, this.buffer.length - this.end, this.position);
      if (bytesRead === 0) throw onShort();
      this.end += bytesRead;
      this.position += bytesRead;
    }
  }
}
