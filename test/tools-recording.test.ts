import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  statSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { messageKind } from '../tools/replay/messageKind.js';
import { RecordingReader } from '../tools/replay/RecordingReader.js';
import { RecordingWriter } from '../tools/replay/RecordingWriter.js';
import { Prng } from '../src/simulator/Prng.js';

const dir = mkdtempSync(join(tmpdir(), 'sp-recording-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CAPTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'captures');

function randomParts(rng: Prng, count: number, maxLen: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(rng.int(0, maxLen));
    for (let j = 0; j < b.length; j += 97) b[j] = rng.int(0, 255);
    parts.push(b);
  }
  return parts;
}

async function readAll(path: string) {
  const reader = await RecordingReader.open(path);
  const out = [];
  try {
    for await (const m of reader.messages()) out.push(m);
  } finally {
    await reader.close();
  }
  return out;
}

describe('recording file', () => {
  it('round-trips messages byte for byte, with empty parts and parts larger than the read buffer', async () => {
    const rng = new Prng(1);
    const messages: Buffer[][] = [];
    for (let i = 0; i < 40; i++) messages.push(randomParts(rng, rng.int(1, 9), i % 10 === 0 ? 9_000_000 : 3000));
    messages.push([Buffer.alloc(0)]);
    const path = join(dir, 'roundtrip.sprec');
    const writer = await RecordingWriter.create(path);
    let t = 0n;
    for (const parts of messages) await writer.write(parts, (t += 1000n));
    await writer.close();
    const read = await readAll(path);
    expect(read.length).toBe(messages.length);
    read.forEach((m, i) => {
      expect(m.timeNs).toBe(BigInt(i + 1) * 1000n);
      expect(m.parts.length).toBe(messages[i]!.length);
      m.parts.forEach((p, j) => expect(p.equals(messages[i]![j]!)).toBe(true));
    });
  });

  it('delivers the complete messages of a truncated file, then reports the truncation', async () => {
    const path = join(dir, 'cut.sprec');
    const writer = await RecordingWriter.create(path);
    await writer.write([Buffer.from('one')]);
    await writer.write([Buffer.from('two'), Buffer.alloc(5000, 7)]);
    await writer.close();
    truncateSync(path, statSync(path).size - 100);
    const reader = await RecordingReader.open(path);
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const m of reader.messages()) got.push(m.parts[0]!.toString());
      })(),
    ).rejects.toThrow(/truncated: message 1 ends past the end of the file/);
    await reader.close();
    expect(got).toEqual(['one']);
  });

  it('refuses files that are not recordings, missing files and overwriting without permission', async () => {
    const notRec = join(dir, 'plain.txt');
    writeFileSync(notRec, 'hello, this is not a recording at all');
    await expect(RecordingReader.open(notRec)).rejects.toThrow(/is not a stream-pipeline recording/);
    await expect(RecordingReader.open(join(dir, 'missing.sprec'))).rejects.toThrow(
      /cannot open recording .*missing\.sprec/,
    );
    const path = join(dir, 'exists.sprec');
    await (await RecordingWriter.create(path)).close();
    await expect(RecordingWriter.create(path)).rejects.toThrow(/already exists \(use --force/);
    await (await RecordingWriter.create(path, { overwrite: true })).close();
    expect(readFileSync(path).length).toBe(24);
  });
});

describe('messageKind', () => {
  it('classifies the real V1 and V2 captures', () => {
    const v1 = join(CAPTURES, 'dls_v1_eiger4m');
    const v2 = join(CAPTURES, 'tickit_v2_eiger2_16m');
    if (!existsSync(v1) || !existsSync(v2)) {
      console.warn(`skipping: real captures not found under ${CAPTURES}`);
      return;
    }
    expect(readdirSync(v1).length).toBe(22);
    const part = (n: number) => readFileSync(join(v1, `streamfile_${n}`));
    expect(messageKind([1, 2, 3, 4, 5, 6, 7, 8, 9].map(part))).toBe('header');
    expect(messageKind([10, 11, 12, 13].map(part))).toBe('image');
    expect(messageKind([part(22)])).toBe('end');
    expect(messageKind([readFileSync(join(v2, 'start.cbor'))])).toBe('header');
    expect(messageKind([readFileSync(join(v2, 'image.cbor'))])).toBe('image');
    expect(messageKind([readFileSync(join(v2, 'end.cbor'))])).toBe('end');
    expect(messageKind([Buffer.from([0xa1, 0x61, 0x78, 0x01])])).toBe('other');
    expect(messageKind([Buffer.alloc(0)])).toBe('other');
  });
});
