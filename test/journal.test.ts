// The good path's journal on real files: what is appended comes back byte for byte at the next
// start, minus what was marked done; a record cut short or half written when the process died
// is dropped and reported, never handed out; finished segments are deleted; the size limit
// sends frames on unjournaled, counted.
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { GoodJournal } from '../src/stages/journal/GoodJournal.js';
import type { Task } from '../src/stages/pool/Task.js';
import { tempDirs } from './helpers/tempDirs.js';

const tempDir = tempDirs('sp-journal-');

function logged(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l).msg as string) }), lines };
}

function task(run: number, frame: number, bytes = 1000): Task {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + frame * 7) & 0xff;
  return {
    header: {
      id: frame + 1,
      run,
      series: 3,
      frame,
      channel: 'threshold_1',
      width: 10,
      height: 50,
      dtype: 'uint16',
      encoding: { codec: 'bslz4', elemSize: 2, name: 'bs16-lz4<' },
      receivedAt: 1000 + frame,
    },
    data,
  };
}

async function recoverAll(dir: string, trustDoneMarks = true, logger = pino({ level: 'silent' })) {
  const journal = new GoodJournal({ dir, maxBytes: 1 << 30, logger });
  const replayed: Task[] = [];
  await journal.recover({
    replay: async (t) => {
      replayed.push(t);
      return true;
    },
    trustDoneMarks,
  });
  return { journal, replayed };
}

const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.spj'));

describe('the good path journal', () => {
  it('gives back every frame not marked done, byte for byte and in order, at the next start', async () => {
    const dir = tempDir();
    const journal = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
    const written = [0, 1, 2, 3, 4].map((f) => task(7, f));
    expect(await Promise.all(written.map((t) => journal.append(t)))).toEqual([true, true, true, true, true]);
    journal.done(7, 1);
    journal.done(7, 3);
    await journal.close();
    const { journal: next, replayed } = await recoverAll(dir);
    expect(replayed.map((t) => t.header)).toEqual([0, 2, 4].map((f) => written[f]!.header));
    expect(replayed.map((t) => Buffer.from(t.data).toString('hex'))).toEqual(
      [0, 2, 4].map((f) => Buffer.from(written[f]!.data).toString('hex')),
    );
    expect(next.counters.replayed).toBe(3);
    // New frames go to a new segment, after the old ones.
    expect(await next.append(task(8, 0))).toBe(true);
    expect(segments(dir)).toHaveLength(2);
    await next.close();
  });

  it('leaves the done marks aside when the results file is the word on what was finished', async () => {
    const dir = tempDir();
    const journal = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
    await Promise.all([0, 1].map((f) => journal.append(task(7, f))));
    journal.done(7, 0);
    await journal.close();
    const { replayed } = await recoverAll(dir, false);
    expect(replayed.map((t) => t.header.frame)).toEqual([0, 1]);
  });

  it('drops a last record written only in part, and says so', async () => {
    for (const damage of ['cut', 'flipped'] as const) {
      const dir = tempDir();
      const journal = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
      await Promise.all([0, 1, 2].map((f) => journal.append(task(7, f, 5000))));
      await journal.close();
      const path = join(dir, segments(dir)[0]!);
      const size = statSync(path).size;
      if (damage === 'cut') truncateSync(path, size - 1234);
      else {
        const bytes = readFileSync(path);
        bytes[size - 10] = bytes[size - 10]! ^ 0x40;
        writeFileSync(path, bytes);
      }
      const { logger, lines } = logged();
      const { journal: next, replayed } = await recoverAll(dir, true, logger);
      expect(
        replayed.map((t) => t.header.frame),
        damage,
      ).toEqual([0, 1]);
      expect(next.counters.tornRecords).toBe(1);
      expect(lines.join('\n')).toMatch(/dropped the last record of \S+segment-000001\.spj, written only in part/);
      await next.close();
    }
  });

  it('stops at a damaged record with records after it, naming the byte', async () => {
    const dir = tempDir();
    const journal = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
    await Promise.all([0, 1, 2].map((f) => journal.append(task(7, f, 5000))));
    await journal.close();
    const path = join(dir, segments(dir)[0]!);
    const bytes = readFileSync(path);
    bytes[16 + 8 + 4000] = bytes[16 + 8 + 4000]! ^ 1; // inside the first record
    writeFileSync(path, bytes);
    const { logger, lines } = logged();
    const { journal: next, replayed } = await recoverAll(dir, true, logger);
    expect(replayed).toEqual([]);
    expect(lines.join('\n')).toMatch(/segment-000001\.spj is damaged at byte 16 \(its CRC does not match/);
    await next.close();
  });

  it('deletes what is finished: no file is left once every frame is done', async () => {
    const dir = tempDir();
    const journal = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
    await Promise.all([0, 1, 2].map((f) => journal.append(task(7, f))));
    for (const f of [0, 1, 2]) journal.done(7, f);
    expect(journal.pending).toBe(0);
    await journal.close();
    expect(readdirSync(dir)).toEqual([]);
    // And an earlier life's segment whose frames the policy does not want is deleted at start.
    const again = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
    await again.append(task(9, 0));
    await again.close();
    const third = new GoodJournal({ dir, maxBytes: 1 << 30, logger: pino({ level: 'silent' }) });
    await third.recover({ replay: async () => false, trustDoneMarks: true });
    expect(segments(dir)).toEqual([]);
    await third.close();
  });

  it('sends frames on unjournaled past its size limit, counted and warned once, and journals again when there is room', async () => {
    const dir = tempDir();
    const { logger, lines } = logged();
    const journal = new GoodJournal({ dir, maxBytes: 25_000, logger });
    const results: boolean[] = [];
    for (let f = 0; f < 6; f++) results.push(await journal.append(task(7, f, 10_000)));
    expect(results).toEqual([true, true, false, false, false, false]);
    expect(journal.counters.notJournaled).toBe(4);
    expect(lines.filter((l) => /unjournaled/.test(l))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/its limit is 0 MB \(pipeline\.good\.journal_max_mb\)/);
    // Finished frames free their segments: the journal takes frames again.
    journal.done(7, 0);
    journal.done(7, 1);
    expect(await journal.append(task(7, 6, 10_000))).toBe(true);
    expect(lines.at(-1)).toMatch(/journaling frames again/);
    await journal.close();
  });
});
