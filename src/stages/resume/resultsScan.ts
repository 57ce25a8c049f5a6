// What a series' earlier life wrote to the results file, read back when a restarted pipeline
// takes the series up: the results file is the one record of which images were finished that
// survives a kill -9 exactly (a line is either there whole or torn at the very end), so it, and
// not a log of our own that could disagree with it, decides what needs no second analysis.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ResumedRun } from '../collector/Collector.js';

export interface ScannedRun extends ResumedRun {
  goodFrames: number[];
  /** Lines that are no JSON record (the torn last line of a killed writer, at most, normally). */
  unreadableLines: number;
}

/**
 * The good-path frame records (and fast-path count) of detector series `series` in `path` from
 * byte `offset` on (where the file ended when the series started). A missing file is an empty
 * scan: the earlier life wrote nothing there.
 */
export async function scanResults(path: string, offset: number, series: number): Promise<ScannedRun> {
  const scan: ScannedRun = { goodFrames: [], processed: 0, hits: 0, processedFast: 0, unreadableLines: 0 };
  const seen = new Set<number>();
  const input = createReadStream(path, { start: offset });
  const opened = new Promise<boolean>((resolve) => {
    input.once('open', () => resolve(true));
    input.once('error', () => resolve(false));
  });
  if (!(await opened)) return scan;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    // Only frame records are parsed: the cheap test first, most lines of a long run are frames.
    if (!line.startsWith('{"type":"frame"')) continue;
    const record = parse(line);
    if (!record) {
      scan.unreadableLines++;
      continue;
    }
    if (record.series !== series || typeof record.frame !== 'number') continue;
    if (record.path === 'fast') scan.processedFast++;
    else if (record.path === 'good' && !seen.has(record.frame)) {
      seen.add(record.frame);
      scan.goodFrames.push(record.frame);
      if (record.hit === true) scan.hits++;
    }
  }
  scan.processed = scan.goodFrames.length;
  return scan;
}

function parse(line: string): { series?: unknown; frame?: unknown; path?: unknown; hit?: unknown } | null {
  try {
    return JSON.parse(line) as { series?: unknown; frame?: unknown; path?: unknown; hit?: unknown };
  } catch {
    return null;
  }
}
