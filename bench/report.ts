// Collects benchmark figures so every number is printed next to its reference, as a ratio.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The interpreter the reference tools run in (Debian's python3 and its packages). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface BenchFigure {
  /** What was measured, e.g. "decode bslz4 4M uint32". */
  name: string;
  value: number;
  unit: string; // "ms/frame", "frames/s", "MB/s", "MB" ...
  /** The reference measured in the same run, when there is one. */
  reference?: { name: string; value: number };
  /** True when a larger value is better (rates); false for times. Decides the ratio's direction. */
  higherIsBetter: boolean;
  /** The issue's target, as text, e.g. ">= 3x reference" or "<= 5 ms". */
  target?: string;
  note?: string;
}

export class BenchReport {
  readonly figures: BenchFigure[] = [];

  add(figure: BenchFigure): void {
    this.figures.push(figure);
    process.stdout.write(`${formatFigure(figure)}\n`);
  }

  /** Speed-up over the reference (> 1 means we are better), or null when there is none. */
  static ratio(f: BenchFigure): number | null {
    if (!f.reference || f.reference.value === 0 || f.value === 0) return null;
    return f.higherIsBetter ? f.value / f.reference.value : f.reference.value / f.value;
  }

  writeJson(path: string): void {
    mkdirSync(dirname(path), { recursive: true });
    const rows = this.figures.map((f) => ({ ...f, ratio: BenchReport.ratio(f) }));
    writeFileSync(path, JSON.stringify({ date: new Date().toISOString(), figures: rows }, null, 2));
  }
}

export function formatFigure(f: BenchFigure): string {
  const fmt = (v: number | null) =>
    v === null || !Number.isFinite(v) ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);
  let line = `${f.name}: ${fmt(f.value)} ${f.unit}`;
  if (f.reference) {
    const r = BenchReport.ratio(f);
    line += ` | ${f.reference.name}: ${fmt(f.reference.value)} ${f.unit} | ratio ${r === null ? 'n/a' : `${r.toFixed(2)}x`}`;
  }
  if (f.target) line += ` | target ${f.target}`;
  if (f.note) line += ` (${f.note})`;
  return line;
}
