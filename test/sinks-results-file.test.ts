// The results file on a failing or slow disk: a write error (ENOSPC from /dev/full) is logged once
// and never crashes the process, later records are dropped and counted, close() still resolves;
// a disk that falls behind makes the sink drop records beyond a pending-bytes bound instead of
// growing memory, and it writes again once the disk has caught up.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultsFile } from '../src/sinks/ResultsFile.js';
import type { SeriesRecord } from '../src/sinks/records.js';

class WarnLog {
  readonly lines: { fields: Record<string, unknown>; message: string }[] = [];
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ fields, message });
  }
}

function record(series: number): SeriesRecord {
  return {
    type: 'series',
    series,
    series_unique_id: null,
    detector: 'test',
    width: 4148,
    height: 4362,
    dtype: 'uint32',
    beam_center_x: 2000.5,
    beam_center_y: 2100.25,
    distance_m: 0.25,
    wavelength_a: 1,
    pixel_size_m: 75e-6,
    number_of_images: 100,
    radial_q: [0.1, 0.2, 0.3],
    grid_scan: null,
  };
}

const lineBytes = (series: number) => JSON.stringify(record(series)).length + 1;
const RECORD_BYTES = lineBytes(0);

describe.skipIf(!existsSync('/dev/full'))('results file on a full disk (/dev/full)', () => {
  it('logs the ENOSPC once, drops and counts every record, and close() resolves', async () => {
    const log = new WarnLog();
    const sink = new ResultsFile({ path: '/dev/full', spots: false, radial: false, logger: log });
    for (let i = 0; i < 50; i++) sink.series(record(i));
    await sink.close();
    expect(sink.failed).toBe(true);
    // Every record was lost: the one the disk refused and the ones queued behind it.
    expect(sink.dropped).toBe(50);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.fields).toMatchObject({ path: '/dev/full', code: 'ENOSPC' });
    expect(log.lines[0]!.message).toMatch(
      /results file \/dev\/full cannot be written \(.*ENOSPC.*\); further results are dropped/,
    );
    // After the failure, records are dropped straight away, still counted, and nothing is logged again.
    sink.series(record(50));
    sink.series(record(51));
    expect(sink.dropped).toBe(52);
    expect(log.lines).toHaveLength(1);
    await sink.close();
  });

  it('a failure after a pause (stream idle, records written one by one) is handled the same way', async () => {
    const log = new WarnLog();
    const sink = new ResultsFile({ path: '/dev/full', spots: false, radial: false, logger: log });
    sink.series(record(0));
    await new Promise((r) => setTimeout(r, 50));
    expect(sink.failed).toBe(true);
    expect(sink.dropped).toBe(1);
    sink.series(record(1));
    expect(sink.dropped).toBe(2);
    await sink.close();
    expect(log.lines).toHaveLength(1);
  });
});

describe('results file on a disk that falls behind', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('drops records beyond maxPendingBytes, counts them, and writes again once the disk caught up', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sinks-results-'));
    const path = join(dir, 'results.jsonl');
    const log = new WarnLog();
    const maxPendingBytes = 10 * RECORD_BYTES;
    const sink = new ResultsFile({ path, spots: false, radial: false, logger: log, maxPendingBytes });
    // One synchronous burst: nothing reaches the disk while it runs, so everything waits in memory.
    for (let i = 0; i < 100; i++) sink.series(record(i));
    // Queued while pending <= the bound: records 0..10 (the 11th makes it exceed); the rest dropped.
    expect(sink.dropped).toBe(89);
    expect(sink.pendingBytes).toBe(Array.from({ length: 11 }, (_, i) => lineBytes(i)).reduce((a, b) => a + b));
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.message).toMatch(/the disk is \d+ bytes behind; dropping results until it catches up/);
    // Let the disk catch up, then write again.
    while (sink.pendingBytes > 0) await new Promise((r) => setTimeout(r, 5));
    sink.series(record(1000));
    await sink.close();
    expect(sink.failed).toBe(false);
    expect(sink.dropped).toBe(89);
    expect(log.lines).toHaveLength(2);
    expect(log.lines[1]!.message).toMatch(/writing again \(89 records dropped so far\)/);
    const series = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as SeriesRecord).series);
    expect(series).toEqual([...Array.from({ length: 11 }, (_, i) => i), 1000]);
  });

  it('without a slow disk nothing is dropped and close() flushes every record', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sinks-results-'));
    const path = join(dir, 'sub', 'results.jsonl');
    const sink = new ResultsFile({ path, spots: false, radial: false, logger: new WarnLog() });
    for (let i = 0; i < 1000; i++) sink.series(record(i));
    await sink.close();
    expect(sink.dropped).toBe(0);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(1000);
  });
});
