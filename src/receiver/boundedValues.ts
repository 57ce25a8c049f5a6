// Bounds on what a series start keeps of the free-form parts of a detector message (V2
// user_data and the detector configuration values, the V1 header appendix). Frames' user data
// is not bounded: a frame event lives only until it is dispatched. The start is held
// for as long as its series is open, and a byte string decoded from a message is a view that
// keeps the whole message alive: a start carrying 200 MB under some key must not hold 200 MB
// for the length of a series. Values within bounds are kept (byte strings copied out of the
// message); larger ones are replaced by a note saying how large they were.
import { copyBytes } from './copyBytes.js';

/** Largest user data (V2 user_data, V1 appendix) kept with a series start or frame. */
export const MAX_USER_DATA_BYTES = 1024 * 1024;
/** Largest single detector configuration value kept (they are scalars and short arrays). */
export const MAX_CONFIG_VALUE_BYTES = 16 * 1024;

/** What is kept in place of a value over its bound. */
export interface OmittedValue {
  omitted: string;
  bytes: number;
}

/** The value, within `limit` bytes (approximately, as encoded), or a note that it was left out. */
export function bounded(value: unknown, limit: number): unknown {
  if (typeof value !== 'object' && typeof value !== 'string') return value;
  const size = approximateSize(value, limit);
  if (size > limit) return { omitted: `larger than ${limit} bytes`, bytes: size } satisfies OmittedValue;
  return ownCopies(value);
}

/** Bytes the value takes, counted until `limit` is passed (then a number above it). */
function approximateSize(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') total += v.length;
    else if (v instanceof Uint8Array) total += v.byteLength;
    else if (ArrayBuffer.isView(v)) total += v.byteLength;
    else if (Array.isArray(v)) {
      total += 1;
      for (const x of v) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        total += k.length;
        stack.push(x);
      }
    } else total += 8;
  }
  return total;
}

/** The value with every byte string copied out of the message it was decoded from. */
function ownCopies(value: unknown): unknown {
  if (value instanceof Uint8Array) return copyBytes(value);
  if (Array.isArray(value)) return value.map(ownCopies);
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) out[k] = ownCopies(x);
    return out;
  }
  return value;
}
