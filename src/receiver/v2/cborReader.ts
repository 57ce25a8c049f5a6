// A small CBOR (RFC 8949) reader for Stream V2 messages.
//
// Why not cbor-x's decoder: its tag handlers live in one process-wide table (addExtension), so
// teaching it tags 40, 64-87 and 56500 would change CBOR decoding for every other module in the
// process; its built-in typed-array tags copy unaligned data and cannot wrap a tag-56500 value.
// This reader keeps every tag as a CborTag for the Stream V2 layer to interpret, returns byte
// strings as views into the message (zero-copy), and bounds every length by the bytes left, so
// hostile input ends in a CborError, never in a huge allocation or a stack overflow. The number
// of items is bounded too: a byte per item is enough to make a JavaScript object of ~100 bytes,
// so a few MB of empty maps would otherwise become gigabytes of heap.

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

/** A tagged item other than 55799 (self-describe), which is dropped wherever it appears. */
export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

/** A CBOR map with text keys (the only kind Stream V2 uses); null prototype, so any key is safe. */
export type CborMap = { [key: string]: CborValue };

export type CborValue =
  number | bigint | string | boolean | null | undefined | Uint8Array | CborValue[] | CborMap | CborTag;

const SELF_DESCRIBE_TAG = 55799;
const MAX_DEPTH = 64;
/** Items per message. Real Stream V2 messages hold a few hundred (arrays travel as byte strings). */
export const MAX_ITEMS = 100_000;
const BREAK = Symbol('break');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes one CBOR item that must fill `bytes` exactly. Throws CborError on anything malformed. */
export function readCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.item(0);
  if (value === BREAK) throw new CborError('unexpected "break" byte at top level');
  if (reader.pos !== bytes.byteLength) {
    throw new CborError(`${bytes.byteLength - reader.pos} bytes left after the CBOR item`);
  }
  return value;
}

class Reader {
  pos = 0;
  private items = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  item(depth: number): CborValue | typeof BREAK {
    if (depth > MAX_DEPTH) throw new CborError(`nesting deeper than ${MAX_DEPTH} levels`);
    if (++this.items > MAX_ITEMS) throw new CborError(`more than ${MAX_ITEMS} items in one message`);
    const initial = this.u8();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.simple(info);
    if (info === 31) return this.indefinite(major, depth);
    const arg = this.argument(info);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1 - arg;
      case 2:
        return this.take(arg);
      case 3:
        return this.text(arg);
      case 4:
        return this.array(arg, depth);
      case 5:
        return this.map(arg, depth);
      default: {
        const value = this.definite(depth + 1);
        return arg === SELF_DESCRIBE_TAG ? value : new CborTag(arg, value);
      }
    }
  }

  private definite(depth: number): CborValue {
    const value = this.item(depth);
    if (value === BREAK) throw new CborError(`unexpected "break" byte at offset ${this.pos - 1}`);
    return value;
  }

  private argument(info: number): number {
    if (info < 24) return info;
    switch (info) {
      case 24:
        return this.u8();
      case 25:
        return this.fixed(2).getUint16(0);
      case 26:
        return this.fixed(4).getUint32(0);
      case 27: {
        const v = this.fixed(8);
        const value = v.getUint32(0) * 2 ** 32 + v.getUint32(4);
        if (!Number.isSafeInteger(value))
          throw new CborError(`integer ${v.getBigUint64(0)} does not fit a safe JS number`);
        return value;
      }
      default:
        throw new CborError(`reserved additional information ${info} at offset ${this.pos - 1}`);
    }
  }

  private simple(info: number): CborValue | typeof BREAK {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25:
        return halfToNumber(this.fixed(2).getUint16(0));
      case 26:
        return this.fixed(4).getFloat32(0);
      case 27:
        return this.fixed(8).getFloat64(0);
      case 31:
        return BREAK;
      default:
        if (info < 20) return undefined; // unassigned simple values carry no meaning for Stream V2
        if (info === 24) {
          this.u8();
          return undefined;
        }
        throw new CborError(`reserved simple value ${info} at offset ${this.pos - 1}`);
    }
  }

  private indefinite(major: number, depth: number): CborValue {
    switch (major) {
      case 2:
      case 3: {
        const chunks: Uint8Array[] = [];
        for (;;) {
          const chunk = this.item(depth + 1);
          if (chunk === BREAK) break;
          const ok = major === 2 ? chunk instanceof Uint8Array : typeof chunk === 'string';
          if (!ok) throw new CborError('indefinite-length string with a chunk of another type');
          chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array));
        }
        const joined = concat(chunks);
        return major === 2 ? joined : utf8.decode(joined);
      }
      case 4: {
        const out: CborValue[] = [];
        for (;;) {
          const v = this.item(depth + 1);
          if (v === BREAK) return out;
          out.push(v);
        }
      }
      case 5: {
        const out: CborMap = Object.create(null) as CborMap;
        for (;;) {
          const key = this.item(depth + 1);
          if (key === BREAK) return out;
          out[this.mapKey(key)] = this.definite(depth + 1);
        }
      }
      default:
        throw new CborError(`indefinite length is not allowed for major type ${major}`);
    }
  }

  private array(count: number, depth: number): CborValue[] {
    this.needItems(count);
    const out = new Array<CborValue>(count);
    for (let i = 0; i < count; i++) out[i] = this.definite(depth + 1);
    return out;
  }

  private map(count: number, depth: number): CborMap {
    this.needItems(count * 2);
    const out: CborMap = Object.create(null) as CborMap;
    for (let i = 0; i < count; i++) {
      const key = this.mapKey(this.definite(depth + 1));
      out[key] = this.definite(depth + 1);
    }
    return out;
  }

  private mapKey(key: CborValue | typeof BREAK): string {
    if (typeof key === 'string') return key;
    if (typeof key === 'number') return String(key);
    throw new CborError(`map key of type ${describe(key)} (Stream V2 maps have text keys)`);
  }

  private text(length: number): string {
    try {
      return utf8.decode(this.take(length));
    } catch (err) {
      if (err instanceof CborError) throw err;
      throw new CborError(`text string at offset ${this.pos - length} is not valid UTF-8`);
    }
  }

  /** A view of the next `length` bytes (no copy). */
  private take(length: number): Uint8Array {
    if (length > this.bytes.byteLength - this.pos) {
      throw new CborError(
        `string of ${length} bytes at offset ${this.pos} runs past the end (${this.bytes.byteLength - this.pos} left)`,
      );
    }
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  private fixed(length: number): DataView {
    if (length > this.bytes.byteLength - this.pos)
      throw new CborError(`truncated: ${length} bytes needed at offset ${this.pos}`);
    const view = new DataView(this.view.buffer, this.view.byteOffset + this.pos, length);
    this.pos += length;
    return view;
  }

  private u8(): number {
    if (this.pos >= this.bytes.byteLength) throw new CborError(`truncated: item expected at offset ${this.pos}`);
    return this.bytes[this.pos++]!;
  }

  /** Every item takes at least one byte, so a count beyond the bytes left is malformed. */
  private needItems(count: number): void {
    if (count > this.bytes.byteLength - this.pos) {
      throw new CborError(
        `container of ${count} items at offset ${this.pos} cannot fit in the ${this.bytes.byteLength - this.pos} bytes left`,
      );
    }
  }
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `byte string (${v.byteLength} bytes)`;
  if (v instanceof CborTag) return `tag ${v.tag}`;
  if (Array.isArray(v)) return `array (${v.length} items)`;
  return typeof v;
}
