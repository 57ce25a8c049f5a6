// CRC-32 (the zlib/PNG polynomial) of a buffer, to tell a record cut short or damaged on disk
// from a good one. Node has it built in from 20.15; older 20.x get the same table-driven sum.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, initial?: number) => number;

const builtIn = (zlib as unknown as { crc32?: Crc32 }).crc32;

let table: Uint32Array | null = null;

function tableCrc32(data: Uint8Array, initial = 0): number {
  table ??= makeTable();
  let crc = ~initial >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** The CRC-32 of `data`, continued from `initial` (the CRC of what came before it). */
export const crc32: Crc32 = builtIn ?? tableCrc32;
