// V1 image message: dimage-1.0, dimage_d-1.0, the blob, dconfig-1.0, and an optional raw image
// appendix. The blob becomes Frame.data as it is (no copy).
import { UnsupportedEncodingError, parseV1Encoding } from '../../codec/encodings.js';
import type { Frame, FrameEncoding, PixelDtype } from '../events.js';
import { optionalNumber, requireInt, requireString, type Fields, shown } from '../fields.js';
import { checkEncodedSize } from '../frameSizeCheck.js';
import { dtypeFromName } from '../pixelDtype.js';
import type { OpenSeries, SeriesTracker } from '../SeriesTracker.js';
import { StreamError } from '../StreamError.js';
import { secondsPerTick } from './dconfigClock.js';
import { expectHtype, parseJsonPart, utf8 } from './jsonPart.js';

const IMAGE_PARTS = 4;

export function decodeV1Image(parts: Uint8Array[], first: Fields, tracker: SeriesTracker, receivedAt: number): Frame {
  if (parts.length !== IMAGE_PARTS && parts.length !== IMAGE_PARTS + 1) {
    throw new StreamError(
      'part-count',
      `V1 image message has ${parts.length} parts; expected 4, or 5 with an image appendix`,
      {
        parts: parts.length,
      },
    );
  }
  const frameNo = requireInt(first, 'frame', 'V1 image part 1 (dimage)');
  const what = `V1 image ${frameNo}`;
  const series = requireInt(first, 'series', what);
  const open = tracker.require('image', series, null);

  const desc = parseJsonPart(parts[1]!, `${what} part 2`);
  expectHtype(desc, 'dimage_d', `${what} part 2`);
  const { width, height } = shapeOf(desc, what);
  const dtype = dtypeOf(desc, what);
  const encoding = encodingOf(requireString(desc, 'encoding', what), dtype, what);
  const size = requireInt(desc, 'size', what);
  const blob = parts[2]!;
  if (blob.byteLength !== size) {
    throw new StreamError('blob-size', `${what}: blob has ${blob.byteLength} bytes but dimage_d size says ${size}`, {
      bytes: blob.byteLength,
      size,
    });
  }
  checkEncodedSize(blob, encoding, width, height, what);

  const timing = parseJsonPart(parts[3]!, `${what} part 4`);
  expectHtype(timing, 'dconfig', `${what} part 4`);
  const times = frameTimes(timing, open, what);
  return {
    type: 'frame',
    series,
    frame: frameNo,
    channel: 'threshold_1',
    width,
    height,
    dtype,
    encoding,
    data: blob,
    ...times,
    userData: parts.length > IMAGE_PARTS ? utf8(parts[IMAGE_PARTS]!) : null,
    receivedAt,
  };
}

/** shape is [x, y] (= [width, height]); a third dimension is accepted only when it is 1. */
function shapeOf(desc: Fields, what: string): { width: number; height: number } {
  const shape = desc['shape'];
  const ok =
    Array.isArray(shape) &&
    (shape.length === 2 || (shape.length === 3 && shape[2] === 1)) &&
    shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d > 0);
  if (!ok) throw new StreamError('bad-field', `${what}: shape must be [x, y] positive integers, got ${shown(shape)}`);
  return { width: shape[0] as number, height: shape[1] as number };
}

function dtypeOf(desc: Fields, what: string): PixelDtype {
  const dtype = dtypeFromName(desc['type']);
  if (!dtype)
    throw new StreamError(
      'unknown-encoding',
      `${what}: pixel type ${shown(desc['type'])} is not uint8, uint16 or uint32`,
    );
  return dtype;
}

function encodingOf(name: string, dtype: PixelDtype, what: string): FrameEncoding {
  try {
    return parseV1Encoding(name, dtype);
  } catch (err) {
    if (err instanceof UnsupportedEncodingError)
      throw new StreamError('unknown-encoding', `${what}: ${err.message}`, { encoding: name });
    throw err;
  }
}

/** dconfig ticks → seconds, relative to the start of the series' first received image. */
function frameTimes(
  timing: Fields,
  open: OpenSeries,
  what: string,
): Pick<Frame, 'startTime' | 'stopTime' | 'realTime'> {
  const start = optionalNumber(timing, 'start_time', what);
  const stop = optionalNumber(timing, 'stop_time', what);
  const real = optionalNumber(timing, 'real_time', what);
  if (!open.v1Clock) {
    open.v1Clock = { secondsPerTick: secondsPerTick(real, open.start.countTime), originTicks: start ?? 0 };
  }
  const { secondsPerTick: tick, originTicks } = open.v1Clock;
  if (tick === null) return { startTime: null, stopTime: null, realTime: null };
  return {
    startTime: start === null ? null : (start - originTicks) * tick,
    stopTime: stop === null ? null : (stop - originTicks) * tick,
    realTime: real === null ? null : real * tick,
  };
}
