// V1 JSON parts: parse, and read the htype ("name-1.x"; detector JSON ends with "\n").
import { isObject, type Fields, shown } from '../fields.js';
import { StreamError } from '../StreamError.js';

/** Largest JSON part parsed. The detector's largest (the configuration) is a few kB; parsed
 * JSON takes some 20 times its text in memory, so an unbounded part could exhaust the heap. */
export const MAX_JSON_PART_BYTES = 1 << 20;

export function parseJsonPart(part: Uint8Array, what: string): Fields {
  if (part.byteLength > MAX_JSON_PART_BYTES) {
    throw new StreamError(
      'malformed-json',
      `${what} is ${part.byteLength} bytes of JSON, more than the ${MAX_JSON_PART_BYTES} accepted`,
    );
  }
  const text = Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8').trimEnd();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StreamError('malformed-json', `${what} is not valid JSON (${(err as Error).message}): ${preview(text)}`);
  }
  if (!isObject(value)) throw new StreamError('malformed-json', `${what} must be a JSON object, got ${preview(text)}`);
  return value;
}

/** The htype without its version ("dimage-1.0" → "dimage"); null when absent or not version 1. */
export function htypeName(obj: Fields): string | null {
  const h = obj['htype'];
  if (typeof h !== 'string') return null;
  const m = /^([a-z_]+)-1\.\d+$/.exec(h);
  return m ? m[1]! : null;
}

/** Throws unknown-htype unless part has htype `expected`. */
export function expectHtype(obj: Fields, expected: string, what: string): void {
  if (htypeName(obj) !== expected) {
    throw new StreamError('unknown-htype', `${what} has htype ${shown(obj['htype'])}, expected "${expected}-1.0"`, {
      htype: shown(obj['htype']),
    });
  }
}

export function preview(text: string, max = 80): string {
  const oneLine = JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
  return oneLine;
}

export function utf8(part: Uint8Array): string {
  return Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8');
}
