// What watching costs: the pipeline at the receiver's full rate (a simulated EIGER2 4M, uint32,
// sent as fast as it is taken; both paths running) with three dashboard pages connected, next to
// the same run with none. The pages are WebSocket clients that parse every message as the page
// does. Runs alternate (none, three, none, three...) so drift on the machine falls on both
// sides; each side's figure is the median of its runs. On two cores shared by the simulator,
// the pipeline and two workers, the input rate and the fast path's p99 scatter by tens of per
// cent from run to run whatever the pages do, so the pipeline process's own CPU time per frame
// is reported too: it is what the pages can cost, and it scatters far less.
import type { BenchReport } from './report.js';
import { FRAMES, medianOf, runTwice, type RunResult } from './pipelineRun.js';

const PAIRS = Number(process.env['DASHBOARD_BENCH_PAIRS'] ?? 3);

export default async function (report: BenchReport): Promise<void> {
  const none: RunResult[] = [];
  const three: RunResult[] = [];
  for (let i = 0; i < PAIRS; i++) {
    none.push(await runTwice({ fast: 1, good: 1, rate: 'max' }));
    three.push(await runTwice({ fast: 1, good: 1, rate: 'max', dashboardClients: 3 }));
  }
  const median = medianOf;
  const input = (r: RunResult) => r.sentFps;
  const p99 = (r: RunResult) => r.steady.latency_ms.fast.p99 ?? Number.NaN;
  const each = (runs: RunResult[], f: (r: RunResult) => number) => runs.map((r) => f(r).toFixed(0)).join(', ');
  const messages = three.reduce((a, r) => a + r.dashboardMessages, 0);
  const note = `${FRAMES} EIGER2 4M uint32 frames per series, 10 % hits, second series; ${PAIRS} runs each side, alternating`;
  report.add({
    name: 'input rate with 3 dashboard pages connected',
    value: median(three, input),
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: 'no page connected, same run', value: median(none, input) },
    target: 'within 5 % of the reference',
    note: `${note}; runs with pages ${each(three, input)}, without ${each(none, input)}; the pages received ${messages} messages`,
  });
  report.add({
    name: 'fast path latency p99 with 3 dashboard pages connected',
    value: median(three, p99),
    unit: 'ms',
    higherIsBetter: false,
    reference: { name: 'no page connected, same run', value: median(none, p99) },
    target: 'within 5 % of the reference',
    note: `${note}; runs with pages ${each(three, p99)}, without ${each(none, p99)}`,
  });
  // Both series' frames, as the CPU time covers the whole run.
  const cpuPerFrame = (r: RunResult) => (1000 * r.pipelineCpuS) / (r.first.received + r.steady.received);
  report.add({
    name: 'pipeline process CPU per frame received, 3 dashboard pages connected',
    value: median(three, cpuPerFrame),
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: { name: 'no page connected, same run', value: median(none, cpuPerFrame) },
    target: 'within 5 % of the reference',
    note: `receiver, dispatchers, collector and the dashboard's aggregation and pushes; runs with pages ${three
      .map((r) => cpuPerFrame(r).toFixed(3))
      .join(', ')}, without ${none.map((r) => cpuPerFrame(r).toFixed(3)).join(', ')}`,
  });
}
