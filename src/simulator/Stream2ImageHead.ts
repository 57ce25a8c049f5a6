// The bytes of a V2 image message around its blob, for one series: everything before the blob
// (self-describe prefix, map head, ids, times, the data map's tags down to the byte-string head)
// and the tail after it (user_data, when set). The map is laid out so the blob comes last but for
// the invariant tail, and what changes per frame (image_id, start_time, stop_time) is written into
// a caller's buffer between pre-encoded invariant segments: a message costs a few dozen bytes of
// writes, never a re-encoding or a copy of the multi-MB blob. Key order and encodings are cbor-x's
// for the same map (shortest-form integers), see the wire format reference §2.
import {
  headItem,
  headSize,
  MAJOR_ARRAY,
  MAJOR_BYTES,
  MAJOR_MAP,
  MAJOR_TAG,
  MAJOR_UINT,
  textItem,
  writeHead,
} from './cborHeads.js';
import { CLOCK_HZ, frameStartTicks, realTicks, type SimulatedSeries } from './SimulatedSeries.js';
import {
  TAG_COMPRESSED,
  TAG_DATE_TIME,
  TAG_MULTI_DIM_ROW_MAJOR,
  TAG_UINT16_LE,
  TAG_UINT32_LE,
} from '../receiver/v2/cborTags.js';

const SELF_DESCRIBE = Buffer.from([0xd9, 0xd9, 0xf7]);
/** The one channel the simulator sends. */
export const CHANNEL = 'threshold_1';

export class Stream2ImageHead {
  /** user_data (key and value), or empty: the same for every frame of the series. */
  readonly tail: Buffer;
  private readonly beforeImageId: Buffer;
  private readonly beforeStart: Buffer;
  private readonly beforeStop: Buffer;
  private readonly beforeBlob: Buffer;
  private readonly frameTime: number;
  private readonly real: number;

  constructor(setup: SimulatedSeries) {
    const s = setup;
    const text = textItem;
    const rationalOpen = headItem(MAJOR_ARRAY, 2);
    const clock = headItem(MAJOR_UINT, CLOCK_HZ);
    const userData = s.imageAppendix !== undefined;
    this.frameTime = s.frameTime;
    this.real = realTicks(s);
    this.beforeImageId = Buffer.concat([
      SELF_DESCRIBE,
      headItem(MAJOR_MAP, userData ? 10 : 9),
      text('type'),
      text('image'),
      text('series_id'),
      headItem(MAJOR_UINT, s.series),
      text('series_unique_id'),
      text(s.seriesUniqueId),
      text('image_id'),
    ]);
    this.beforeStart = Buffer.concat([
      text('real_time'),
      rationalOpen,
      headItem(MAJOR_UINT, this.real),
      clock,
      text('series_date'),
      headItem(MAJOR_TAG, TAG_DATE_TIME),
      // RFC 3339 with milliseconds and a numeric offset, as the detector writes it.
      text(s.armDate.toISOString().replace('Z', '+00:00')),
      text('start_time'),
      rationalOpen,
    ]);
    this.beforeStop = Buffer.concat([clock, text('stop_time'), rationalOpen]);
    const elemSize = s.dtype === 'uint16' ? 2 : 4;
    this.beforeBlob = Buffer.concat([
      clock,
      text('data'),
      headItem(MAJOR_MAP, 1),
      text(CHANNEL),
      // tag 40 [[rows, cols], tag <typed> (tag 56500 ["bslz4", elem, bytes])]
      headItem(MAJOR_TAG, TAG_MULTI_DIM_ROW_MAJOR),
      headItem(MAJOR_ARRAY, 2),
      headItem(MAJOR_ARRAY, 2),
      headItem(MAJOR_UINT, s.model.height),
      headItem(MAJOR_UINT, s.model.width),
      headItem(MAJOR_TAG, s.dtype === 'uint16' ? TAG_UINT16_LE : TAG_UINT32_LE),
      headItem(MAJOR_TAG, TAG_COMPRESSED),
      headItem(MAJOR_ARRAY, 3),
      text('bslz4'),
      headItem(MAJOR_UINT, elemSize),
    ]);
    this.tail = userData ? Buffer.concat([text('user_data'), text(s.imageAppendix!)]) : Buffer.alloc(0);
  }

  /** Bytes before the blob of frame `frame` with a blob of `blobLength` bytes. */
  size(frame: number, blobLength: number): number {
    const start = frameStartTicks(this.frameTime, frame);
    return (
      this.beforeImageId.length +
      headSize(frame) +
      this.beforeStart.length +
      headSize(start) +
      this.beforeStop.length +
      headSize(start + this.real) +
      this.beforeBlob.length +
      headSize(blobLength)
    );
  }

  /** The most bytes before a blob of `blobLength` bytes, whatever the frame (integers at 9 bytes). */
  maxSize(blobLength: number): number {
    const fixed = this.beforeImageId.length + this.beforeStart.length + this.beforeStop.length + this.beforeBlob.length;
    return fixed + 3 * headSize(Number.MAX_SAFE_INTEGER) + headSize(blobLength);
  }

  /** Writes the bytes before the blob so that they end at `end` (where the blob starts); returns
   * where they start. */
  writeEndingAt(out: Buffer, end: number, frame: number, blobLength: number): number {
    const begin = end - this.size(frame, blobLength);
    if (begin < 0) throw new RangeError('Stream2ImageHead: no room before the blob');
    const start = frameStartTicks(this.frameTime, frame);
    let at = begin + this.beforeImageId.copy(out, begin);
    at = writeHead(out, at, MAJOR_UINT, frame);
    at += this.beforeStart.copy(out, at);
    at = writeHead(out, at, MAJOR_UINT, start);
    at += this.beforeStop.copy(out, at);
    at = writeHead(out, at, MAJOR_UINT, start + this.real);
    at += this.beforeBlob.copy(out, at);
    writeHead(out, at, MAJOR_BYTES, blobLength);
    return begin;
  }
}
