// What durability costs: the pipeline taking a simulated EIGER2 4M (uint32) at 100 Hz, both
// paths running, with the good path's journal on (every frame written to disk before the good
// path gets it, marked done after its result) next to the same run without. Runs alternate
// (off, on, off, on...) so drift on the machine falls on both sides; each figure is the median.
import type { BenchReport } from './report.js';
import { FRAMES, medianOf, runTwice, type RunResult } from './pipelineRun.js';

const PAIRS = Number(process.env['JOURNAL_BENCH_PAIRS'] ?? 3);

export default async function (report: BenchReport): Promise<void> {
  const off: RunResult[] = [];
  const on: RunResult[] = [];
  for (let i = 0; i < PAIRS; i++) {
    off.push(await runTwice({ fast: 1, good: 1, rate: '100' }));
    on.push(await runTwice({ fast: 1, good: 1, rate: '100', journal: true }));
  }
  const median = medianOf;
  const each = (runs: RunResult[], f: (r: RunResult) => number) => runs.map((r) => f(r).toFixed(1)).join(', ');
  const goodRate = (r: RunResult) => r.steady.rate_fps.good ?? Number.NaN;
  const p99 = (r: RunResult) => r.steady.latency_ms.fast.p99 ?? Number.NaN;
  const seconds = (r: RunResult) => (Date.parse(r.steady.ended_at) - Date.parse(r.steady.started_at)) / 1000;
  // Both series were journaled; the steady series' share of the bytes over its own span.
  const steadyShare = (r: RunResult) => r.steady.received / (r.first.received + r.steady.received);
  const mbPerS = (bytes: number, r: RunResult) => (bytes * steadyShare(r)) / (1024 * 1024) / seconds(r);
  const writeRate = (r: RunResult) => mbPerS(r.status.journal!.bytesWritten, r);
  const receiveRate = (r: RunResult) => mbPerS(r.status.receiver!.bytes, r);
  const lost = (runs: RunResult[]) => runs.reduce((n, r) => n + r.first.lost + r.steady.lost, 0);
  const notJournaled = on.reduce((n, r) => n + r.status.journal!.notJournaled, 0);
  const note = `${FRAMES} frames per series at 100 Hz, 10 % hits, second series, 1 fast + 1 good worker; ${PAIRS} runs each side, alternating; lost with journal ${lost(on)}, without ${lost(off)}; frames not journaled ${notJournaled}`;
  report.add({
    name: 'good path rate with the journal on',
    value: median(on, goodRate),
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: 'journal off, same run', value: median(off, goodRate) },
    target: 'within 10 % of the reference',
    note: `${note}; runs with ${each(on, goodRate)}, without ${each(off, goodRate)}`,
  });
  report.add({
    name: 'fast path latency p99 with the journal on',
    value: median(on, p99),
    unit: 'ms',
    higherIsBetter: false,
    reference: { name: 'journal off, same run', value: median(off, p99) },
    target: 'within 10 % of the reference',
    note: `runs with ${each(on, p99)}, without ${each(off, p99)}`,
  });
  report.add({
    name: 'journal disk write rate',
    value: median(on, writeRate),
    unit: 'MB/s',
    higherIsBetter: false,
    reference: { name: 'bytes received from the detector, same run', value: median(on, receiveRate) },
    note: `each frame's compressed bytes as received, with a record head and its task header; runs ${each(on, writeRate)}`,
  });
}
