// The whole pipeline as users run it, on this 2-core machine: a simulated EIGER2 4M sends
// uint32 frames (10 % hits, as in SSX) as fast as the pipeline takes them, through the receiver,
// the fast and good worker pools (child processes) and the collector. Per run: frames/s through
// each path, arrival -> result latency p50/p99, peak resident memory of the pipeline process,
// and, set against the workers' own per-frame decode + analysis time, the overhead of the graph
// itself (messaging, copies, scheduling): wall time per frame per busy worker minus its kernel time.
import type { BenchReport } from './report.js';
import { FRAMES, runTwice, type RunResult } from './pipelineRun.js';

export default async function (report: BenchReport): Promise<void> {
  const note = (r: RunResult) =>
    `${FRAMES} EIGER2 4M uint32 frames per series, 10 % hits, second series (tables already built); pipeline process peak RSS ${r.peakRssMb.toFixed(0)} MB`;
  // (rate_fps in the summary counts from the first to the last result, so start-up is excluded.)

  // Good path alone, one worker then two: throughput, kernel cost, overhead of the graph.
  // Input paced just above what the worker(s) can do, so the worker always has a frame waiting
  // while the simulator and receiver take little CPU from it.
  const one = await runTwice({ fast: 0, good: 1, rate: '80' });
  const rate1 = one.steady.rate_fps.good as number;
  report.add({
    name: 'good path, 1 worker: frames/s',
    value: rate1,
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: "the worker's own rate (1000 / mean decode+analysis ms)", value: 1000 / one.goodKernelMs },
    note: note(one),
  });
  const overhead = (r: RunResult) => 1000 / (r.steady.rate_fps.good as number) - r.goodKernelMs;
  const split = (r: RunResult) =>
    `inside the worker (task taken to result, minus decode+analysis) ${(r.workerTotalMs - r.goodKernelMs).toFixed(2)} ms, worker waiting between tasks (mean) ${r.workerWaitMs.toFixed(2)} ms`;
  report.add({
    name: 'graph overhead per frame (good, 1 worker: wall time per frame - worker decode+analysis time)',
    value: overhead(one),
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: { name: 'worker decode+analysis per frame', value: one.goodKernelMs },
    target: '<= 1 ms',
    note: `${note(one)}; frames in shared memory; of which ${split(one)}`,
  });
  // The same with every frame over the socket (as for workers on other machines): what the
  // shared-memory slots save.
  const socket = await runTwice({ fast: 0, good: 1, rate: '80', sharedMemorySlotMb: 0 });
  report.add({
    name: 'graph overhead per frame, frames over the socket instead of shared memory',
    value: overhead(socket),
    unit: 'ms/frame',
    higherIsBetter: false,
    reference: { name: 'with shared memory (above)', value: overhead(one) },
    note: `${note(socket)}; of which ${split(socket)}`,
  });
  report.add({
    name: 'first series, good path, 1 worker: frames/s (includes building the 4M tables)',
    value: one.first.rate_fps.good as number,
    unit: 'frames/s',
    higherIsBetter: true,
    note: `${FRAMES} frames`,
  });
  const two = await runTwice({ fast: 0, good: 2, rate: '160' });
  report.add({
    name: 'good path, 2 workers: frames/s',
    value: two.steady.rate_fps.good as number,
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: 'good path, 1 worker', value: rate1 },
    note: `${note(two)}; 2 cores shared by 2 workers, the receiver/collector process and the simulator`,
  });

  // Both paths at once, input beyond capacity: the fast path sheds load and keeps its latency.
  // 120 frames/s for several seconds: beyond what either path can do on 2 cores, for long enough
  // that the fast path's latency percentiles rest on many frames.
  const both = await runTwice({ fast: 1, good: 1, rate: '120' });
  const s = both.steady;
  report.add({
    name: 'both paths (1 fast + 1 good worker): fast path frames/s',
    value: s.rate_fps.fast as number,
    unit: 'frames/s',
    higherIsBetter: true,
    note: `${note(both)}; fast path looked at ${s.processed_fast} of ${s.received} and skipped ${s.skipped_fast} (busy); good path processed ${s.processed}/${s.received}, lost ${s.lost}`,
  });
  report.add({
    name: 'both paths: good path frames/s',
    value: s.rate_fps.good as number,
    unit: 'frames/s',
    higherIsBetter: true,
    note: note(both),
  });
  report.add({
    name: 'fast path arrival -> result latency p99, input beyond capacity',
    value: s.latency_ms.fast.p99 ?? Number.NaN,
    unit: 'ms',
    higherIsBetter: false,
    target: '<= 250 ms',
    note: `p50 ${s.latency_ms.fast.p50} ms; first series (cold tables) p99 ${both.first.latency_ms.fast.p99} ms; good path p50/p99 ${s.latency_ms.good.p50}/${s.latency_ms.good.p99} ms (a backlog by design)`,
  });
  // The same with the hits written to NXmx files: the writer must not cost the live path.
  const withFiles = await runTwice({ fast: 1, good: 1, rate: '120', hitFiles: true });
  const f = withFiles.steady;
  report.add({
    name: 'both paths with hit files written: good path frames/s',
    value: f.rate_fps.good as number,
    unit: 'frames/s',
    higherIsBetter: true,
    reference: { name: 'without hit files (above)', value: s.rate_fps.good as number },
    target: 'within 5 % of the reference',
    note: `${note(withFiles)}; ${f.hit_files?.hits_written ?? 0} hits written, ${f.hit_files?.not_written ?? 0} not written`,
  });
  report.add({
    name: 'both paths with hit files written: fast path latency p99',
    value: f.latency_ms.fast.p99 ?? Number.NaN,
    unit: 'ms',
    higherIsBetter: false,
    reference: { name: 'without hit files (above)', value: s.latency_ms.fast.p99 ?? Number.NaN },
    target: 'within 5 % of the reference',
    note: `fast path looked at ${f.processed_fast} of ${f.received}`,
  });
  const burst = await runTwice({ fast: 1, good: 1, rate: 'max' });
  report.add({
    name: 'input taken by the pipeline from the simulator, as fast as it sends (both paths running)',
    value: burst.sentFps,
    unit: 'frames/s',
    higherIsBetter: true,
    target: '>= 500 frames/s (the receiver target)',
    note: `the good path queues what it cannot do yet (memory, then disk): processed ${burst.steady.processed}/${burst.steady.received}, lost ${burst.steady.lost}; pipeline process peak RSS ${burst.peakRssMb.toFixed(0)} MB`,
  });
  report.add({
    name: 'pipeline process peak RSS (both paths, input at 120 frames/s)',
    value: both.peakRssMb,
    unit: 'MB',
    higherIsBetter: false,
    note: 'good-path memory budget 1024 MB, then spill to disk',
  });
}
