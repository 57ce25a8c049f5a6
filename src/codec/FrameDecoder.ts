// Decodes frames into one reusable output buffer: the buffer grows when a larger frame arrives and
// is otherwise reused, so steady-state decoding allocates no pixel memory. Sizes come from the
// stream, so they are checked before the buffer grows: the shape against MAX_FRAME_PIXELS, and the
// size a framed or raw blob announces against the shape. A decode that fails after growing the
// buffer gives the growth back, so hostile frames cannot leave every worker holding a huge buffer.
import type { Frame, FrameEncoding, PixelDtype } from '../receiver/events.js';
import { codecId, decodedByteLength, elemSizeOf } from './encodings.js';
import { codecError } from './codecError.js';
import { framePixelsProblem } from './limits.js';
import { nativeCodec, type NativeCodec } from './nativeCodec.js';

export type PixelArray = Uint8Array | Uint16Array | Uint32Array;

export class FrameDecoder {
  private readonly codec: NativeCodec;
  private buffer: ArrayBuffer;
  private view: PixelArray | null = null;

  constructor(initialBytes = 0) {
    this.codec = nativeCodec();
    this.buffer = new ArrayBuffer(initialBytes);
  }

  /** Bytes currently held for output (grows with successfully decoded frames, never shrinks). */
  get capacity(): number {
    return this.buffer.byteLength;
  }

  /**
   * Decodes one frame. The returned array is a view of the decoder's buffer, valid until the next
   * call; copy it to keep it. Throws an Error with `.code` on bad input (see nativeCodec.ts).
   */
  decode(data: Uint8Array, encoding: FrameEncoding, width: number, height: number, dtype: PixelDtype): PixelArray {
    const elemSize = elemSizeOf(dtype);
    if (encoding.elemSize !== elemSize) {
      throw codecError(
        'ERR_INVALID_ARG',
        `encoding ${JSON.stringify(encoding.name)} has ${encoding.elemSize}-byte elements but dtype ${dtype} has ${elemSize}`,
      );
    }
    const bytes = decodedByteLength(width, height, dtype);
    const tooLarge = framePixelsProblem(width, height);
    if (tooLarge) throw codecError('ERR_INVALID_ARG', `frame of ${bytes} bytes refused: ${tooLarge}`);
    const codec = codecId(encoding);
    const previous = { buffer: this.buffer, view: this.view };
    if (this.buffer.byteLength < bytes) this.checkAnnouncedSize(data, encoding, codec, bytes);
    const out = this.outputView(bytes, dtype);
    try {
      this.codec.decodeInto(data, codec, elemSize, out);
    } catch (err) {
      // Give back a buffer grown for a frame that did not decode.
      this.buffer = previous.buffer;
      this.view = previous.view;
      throw err;
    }
    return out;
  }

  decodeFrame(frame: Frame): PixelArray {
    return this.decode(frame.data, frame.encoding, frame.width, frame.height, frame.dtype);
  }

  /**
   * The decoded size a blob announces, after validating its header (framed codecs), without
   * decoding: src length for raw, null for a bare LZ4 block (it does not say).
   */
  headerTotalBytes(data: Uint8Array, encoding: FrameEncoding): number | null {
    const size = this.codec.decodedSize(data, codecId(encoding), encoding.elemSize);
    return size < 0 ? null : size;
  }

  /** Before growing the buffer: the size the blob announces (raw length, framed header) must be `bytes`. */
  private checkAnnouncedSize(data: Uint8Array, encoding: FrameEncoding, codec: 0 | 1 | 2 | 3, bytes: number): void {
    const announced = this.codec.decodedSize(data, codec, encoding.elemSize);
    if (announced < 0 || announced === bytes) return;
    const message =
      codec === 0
        ? `raw frame has ${announced} bytes, but the frame needs ${bytes}`
        : `${encoding.codec} header says ${announced} decoded bytes, but the frame needs ${bytes}`;
    throw codecError('ERR_SIZE_MISMATCH', message);
  }

  private outputView(bytes: number, dtype: PixelDtype): PixelArray {
    const v = this.view;
    if (v && v.byteLength === bytes && dtypeOf(v) === dtype && v.buffer === this.buffer) return v;
    if (this.buffer.byteLength < bytes) this.buffer = new ArrayBuffer(bytes);
    const view = makeView(this.buffer, bytes, dtype);
    this.view = view;
    return view;
  }
}

function makeView(buffer: ArrayBuffer, bytes: number, dtype: PixelDtype): PixelArray {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(buffer, 0, bytes);
    case 'uint16':
      return new Uint16Array(buffer, 0, bytes / 2);
    case 'uint32':
      return new Uint32Array(buffer, 0, bytes / 4);
  }
}

function dtypeOf(v: PixelArray): PixelDtype {
  if (v instanceof Uint8Array) return 'uint8';
  return v instanceof Uint16Array ? 'uint16' : 'uint32';
}
