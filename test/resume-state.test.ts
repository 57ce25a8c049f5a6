// The state directory's parts: the kept header message (damage and truncation are caught), the
// results-file scan that decides what an earlier life finished (a torn last line is skipped,
// other series are not counted), the run records and the lock.
import { existsSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { decodeHeaderFile, encodeHeaderFile } from '../src/stages/resume/headerFile.js';
import { scanResults } from '../src/stages/resume/resultsScan.js';
import { SeriesStates } from '../src/stages/resume/SeriesStates.js';
import { takeStateLock } from '../src/stages/resume/stateLock.js';
import { tempDirs } from './helpers/tempDirs.js';

const tempDir = tempDirs('sp-resume-');
const silent = pino({ level: 'silent' });

function warnings(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => lines.push(JSON.parse(l).msg as string) });
  return { logger, lines };
}

const waitFor = async (test: () => boolean) => {
  for (let i = 0; i < 200 && !test(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('the kept header message', () => {
  const parts = [Buffer.from('{"htype":"dheader-1.0"}'), Buffer.alloc(1000, 7), Buffer.from('appendix')];
  const file = Buffer.concat(encodeHeaderFile(parts));

  it('gives back the parts byte for byte', () => {
    expect(decodeHeaderFile(file).map((p) => p.toString('hex'))).toEqual(parts.map((p) => p.toString('hex')));
  });

  it('refuses a damaged, truncated or foreign file, naming why', () => {
    const damaged = Buffer.from(file);
    damaged[500] = damaged[500]! ^ 1;
    expect(() => decodeHeaderFile(damaged)).toThrow(/damaged \(CRC mismatch\)/);
    expect(() => decodeHeaderFile(file.subarray(0, file.length - 10))).toThrow(/its parts make/);
    expect(() => decodeHeaderFile(Buffer.from('SPREC\r\n\x1a and more bytes here'))).toThrow(/bad magic/);
  });
});

describe('the results-file scan', () => {
  it('counts the good frames of its series after the offset, once each, and skips a torn last line', async () => {
    const path = join(tempDir(), 'results.jsonl');
    const line = (r: object) => `${JSON.stringify(r)}\n`;
    writeFileSync(path, line({ type: 'frame', series: 5, frame: 0, path: 'good', hit: true }));
    const offset = readFileSync(path).length;
    appendFileSync(
      path,
      line({ type: 'series', series: 5 }) +
        line({ type: 'frame', series: 5, frame: 1, path: 'good', hit: true }) +
        line({ type: 'frame', series: 5, frame: 2, path: 'good', hit: false }) +
        line({ type: 'frame', series: 5, frame: 2, path: 'fast', hit: false }) +
        line({ type: 'frame', series: 6, frame: 3, path: 'good', hit: true }) +
        line({ type: 'frame', series: 5, frame: 1, path: 'good', hit: true }) +
        '{"type":"frame","series":5,"frame":4,"pa',
    );
    const scan = await scanResults(path, offset, 5);
    expect(scan.goodFrames).toEqual([1, 2]);
    expect({
      processed: scan.processed,
      hits: scan.hits,
      fast: scan.processedFast,
      torn: scan.unreadableLines,
    }).toEqual({ processed: 2, hits: 1, fast: 1, torn: 1 });
  });

  it('finds nothing in a results file that does not exist', async () => {
    expect((await scanResults(join(tempDir(), 'none.jsonl'), 0, 1)).processed).toBe(0);
  });
});

describe('the state directory', () => {
  const state = {
    run: 4,
    series: 9,
    seriesUniqueId: null,
    startedAt: '2026-12-04T00:00:00.000Z',
    results: { path: '/data/results.jsonl', offset: 123 },
    ended: false,
    complete: false,
  };

  it('keeps a run until its summary, and the next run number across lives', async () => {
    const dir = join(tempDir(), 'state');
    const states = SeriesStates.open(dir, 'i03', silent)!;
    states.started(state, [Buffer.from('header')]);
    await states.close();
    const again = SeriesStates.open(dir, 'i03', silent)!;
    expect(again.nextRun()).toBe(5);
    const loaded = again.load();
    expect(loaded.map((l) => ({ state: l.state, header: l.header.map(String) }))).toEqual([
      { state: { format: 'stream-pipeline-series-state', version: 1, name: 'i03', ...state }, header: ['header'] },
    ]);
    again.ended({ ...state, complete: true });
    await again.close();
    const third = SeriesStates.open(dir, 'i03', silent)!;
    expect(third.load()[0]!.state).toMatchObject({ ended: true, complete: true });
    third.summarised(4);
    await third.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('run-'))).toEqual([]);
    expect(existsSync(join(dir, 'next-run.json'))).toBe(true);
  });

  it('holds no header a summary has made useless, and keeps no state past what the disk can take', async () => {
    const dir = join(tempDir(), 'state');
    const { logger, lines } = warnings();
    const states = SeriesStates.open(dir, 'i03', logger)!;
    const mask = Buffer.alloc(40 * 1024 * 1024);
    // A burst of series starts with big masks and no frames: each is summarised at the next start.
    expect(states.started({ ...state, run: 1 }, [mask])).toBe(true);
    expect(states.started({ ...state, run: 2 }, [mask])).toBe(false);
    states.summarised(1);
    expect(states.started({ ...state, run: 3 }, [mask])).toBe(true);
    expect(states.notKept).toBe(1);
    expect(lines.join('\n')).toMatch(/series 9 keeps no state and cannot be taken up after a restart/);
    await states.close();
    // Run 1's header was dropped before its write began; run 3's was written.
    expect(readdirSync(dir).filter((f) => f.endsWith('.header'))).toEqual(['run-000003.header']);
  });

  it('ignores, with a warning, a record whose header file is missing or damaged', async () => {
    const dir = join(tempDir(), 'state');
    const states = SeriesStates.open(dir, 'i03', silent)!;
    states.started(state, [Buffer.from('header')]);
    await states.close();
    const header = join(dir, 'run-000004.header');
    const bytes = readFileSync(header);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(header, bytes);
    const { logger, lines } = warnings();
    const again = SeriesStates.open(dir, 'i03', logger)!;
    expect(again.load()).toEqual([]);
    expect(lines.join('\n')).toMatch(/ignoring state file \S+run-000004\.header: header file is damaged/);
    await again.close();
  });

  it('takes over the lock of a pipeline that died, and refuses one that lives', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), '999999999\n');
    expect(takeStateLock(dir)).toEqual({ taken: true });
    expect(readFileSync(join(dir, 'lock'), 'utf8')).toBe(`${process.pid}\n`);
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
    expect(takeStateLock(dir)).toEqual({ taken: false, holder: process.ppid });
    const { logger, lines } = warnings();
    expect(SeriesStates.open(dir, 'i03', logger)).toBeNull();
    await waitFor(() => lines.length > 0);
    expect(lines[0]).toMatch(/is in use by pipeline process \d+: this one keeps no series state/);
  });
});
