// Streams messages into a recording file as they arrive; never holds the recording in memory
// (a 16M series is tens of GB). Callers await write() for back-pressure.
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { encodeFileHeader, encodeMessageHeader, RecordingError } from './RecordingFormat.js';

export class RecordingWriter {
  private readonly stream: WriteStream;
  private readonly origin = process.hrtime.bigint();
  private failure: Error | null = null;
  private closed = false;
  messages = 0;
  bytes = 0;

  private constructor(stream: WriteStream) {
    this.stream = stream;
    stream.on('error', (err) => {
      this.failure = err;
    });
  }

  /** Creates (or, with overwrite, truncates) the file and writes the file header. */
  static async create(path: string, options: { overwrite?: boolean } = {}): Promise<RecordingWriter> {
    const stream = createWriteStream(path, { flags: options.overwrite ? 'w' : 'wx', highWaterMark: 8 << 20 });
    try {
      await once(stream, 'open');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EEXIST' ? 'it already exists (use --force to overwrite)' : e.message;
      throw new RecordingError(`cannot create recording ${path}: ${why}`, 'ERR_IO');
    }
    const writer = new RecordingWriter(stream);
    const startedAtNs = BigInt(Date.now()) * 1_000_000n;
    await writer.put(encodeFileHeader(startedAtNs));
    return writer;
  }

  /** Nanoseconds since this writer was created (the time base of recorded arrival times). */
  now(): bigint {
    return process.hrtime.bigint() - this.origin;
  }

  /** Appends one message; `timeNs` defaults to now. Resolves when the stream can take more. */
  async write(parts: readonly Uint8Array[], timeNs: bigint = this.now()): Promise<void> {
    if (parts.length === 0) throw new RecordingError('a message must have at least one part', 'ERR_CORRUPT');
    await this.put(encodeMessageHeader(timeNs, parts));
    for (const part of parts) {
      await this.put(part);
      this.bytes += part.length;
    }
    this.messages++;
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve, reject) => {
      this.stream.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    this.throwIfFailed();
  }

  private async put(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (chunk.length === 0) return;
    if (!this.stream.write(chunk)) {
      await this.drained();
      this.throwIfFailed();
    }
  }

  /** Resolves on 'drain' or 'error' (the error itself is kept by the constructor's handler). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
    });
  }

  private throwIfFailed(): void {
    if (this.failure) throw new RecordingError(`writing the recording failed: ${this.failure.message}`, 'ERR_IO');
  }
}
