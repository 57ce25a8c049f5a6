// CBOR (RFC 8949) item heads written straight into a buffer: a major type and its argument in the
// shortest form, as cbor-x and the detector write them. The simulator's image messages are built
// from these in place (Stream2ImageHead.ts), so that nothing is allocated per frame.

export const MAJOR_UINT = 0;
export const MAJOR_BYTES = 2;
export const MAJOR_TEXT = 3;
export const MAJOR_ARRAY = 4;
export const MAJOR_MAP = 5;
export const MAJOR_TAG = 6;

const TWO_32 = 0x1_0000_0000;

/** Bytes of the head of an item with this argument (a non-negative safe integer). */
export function headSize(argument: number): number {
  if (argument < 24) return 1;
  if (argument < 0x100) return 2;
  if (argument < 0x10000) return 3;
  if (argument < TWO_32) return 5;
  return 9;
}

/** Writes the head at `at`; returns the offset after it. */
export function writeHead(out: Uint8Array, at: number, major: number, argument: number): number {
  if (!Number.isSafeInteger(argument) || argument < 0) {
    throw new RangeError(`CBOR head: argument must be a non-negative safe integer, got ${argument}`);
  }
  const type = major << 5;
  if (argument < 24) {
    out[at] = type | argument;
    return at + 1;
  }
  if (argument < 0x100) {
    out[at] = type | 24;
    out[at + 1] = argument;
    return at + 2;
  }
  if (argument < 0x10000) {
    out[at] = type | 25;
    out[at + 1] = argument >>> 8;
    out[at + 2] = argument & 0xff;
    return at + 3;
  }
  if (argument < TWO_32) {
    out[at] = type | 26;
    writeUint32BE(out, at + 1, argument);
    return at + 5;
  }
  out[at] = type | 27;
  // Safe integers fit in 53 bits: the high word is exact as a float division.
  writeUint32BE(out, at + 1, Math.floor(argument / TWO_32));
  writeUint32BE(out, at + 5, argument % TWO_32);
  return at + 9;
}

function writeUint32BE(out: Uint8Array, at: number, value: number): void {
  out[at] = value >>> 24;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

/** A whole text string item (head + UTF-8), for the invariant parts built once per series. */
export function textItem(text: string): Buffer {
  const utf8 = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(headSize(utf8.length) + utf8.length);
  utf8.copy(out, writeHead(out, 0, MAJOR_TEXT, utf8.length));
  return out;
}

/** A lone head as its own buffer, for the invariant parts built once per series. */
export function headItem(major: number, argument: number): Buffer {
  const out = Buffer.allocUnsafe(headSize(argument));
  writeHead(out, 0, major, argument);
  return out;
}
