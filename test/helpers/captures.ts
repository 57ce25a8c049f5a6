// The real detector captures in ../shared/data/captures (see its README), loaded as the ZeroMQ
// message parts they were: the DLS EIGER 4M V1 stream and the tickit EIGER2 16M V2 messages.
// Each loader returns null when the data folder is absent, so tests can skip with a message.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CAPTURES_DIR = resolve(PROJECT_ROOT, '..', 'shared', 'data', 'captures');
export const V1_DIR = join(CAPTURES_DIR, 'dls_v1_eiger4m');
export const V2_DIR = join(CAPTURES_DIR, 'tickit_v2_eiger2_16m');

export interface V1Capture {
  /** streamfile_1..22, index 0 = streamfile_1. */
  files: Buffer[];
  /** The global header message: 9 parts (header_detail all + appendix). */
  header: Buffer[];
  /** Three image messages of 4 parts each (frames 0, 1, 2). */
  images: Buffer[][];
  /** The end-of-series message (1 part). */
  end: Buffer[];
}

export interface V2Capture {
  start: Buffer;
  image: Buffer;
  end: Buffer;
}

export function v1Capture(): V1Capture | null {
  if (!existsSync(join(V1_DIR, 'streamfile_22'))) return null;
  const files = Array.from({ length: 22 }, (_, i) => readFileSync(join(V1_DIR, `streamfile_${i + 1}`)));
  return {
    files,
    header: files.slice(0, 9),
    images: [files.slice(9, 13), files.slice(13, 17), files.slice(17, 21)],
    end: files.slice(21, 22),
  };
}

export function v2Capture(): V2Capture | null {
  if (!existsSync(join(V2_DIR, 'image.cbor'))) return null;
  const read = (name: string) => readFileSync(join(V2_DIR, name));
  return { start: read('start.cbor'), image: read('image.cbor'), end: read('end.cbor') };
}

export const MISSING_CAPTURES = `real captures not found at ${CAPTURES_DIR}; skipping (see /work/shared/data/README.md)`;

/** The V1 header parts rebuilt for another header_detail, from the real capture's parts. */
export function v1HeaderVariant(c: V1Capture, detail: 'all' | 'basic' | 'none', withAppendix: boolean): Buffer[] {
  const first = JSON.parse(c.header[0]!.toString()) as Record<string, unknown>;
  const part1 = Buffer.from(`${JSON.stringify({ ...first, header_detail: detail })}\n`);
  const body = detail === 'all' ? c.header.slice(1, 8) : detail === 'basic' ? c.header.slice(1, 2) : [];
  return [part1, ...body, ...(withAppendix ? [c.header[8]!] : [])];
}

export function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`);
}

export function parseJson(part: Buffer): Record<string, unknown> {
  return JSON.parse(part.toString()) as Record<string, unknown>;
}
