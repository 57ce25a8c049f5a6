// The whole pipeline as users run it, on this 2-core machine: a simulated EIGER2 4M sends
// uint32 frames (10 % hits, as in SSX) as fast as the pipeline takes them, through the receiver,
// the fast and good worker pools (child processes) and the collector. Per run: frames/s through
// each path, arrival -> result latency p50/p99, peak resident memory of the pipeline process,
// and, set against the workers' own per-frame decode + analysis time, the overhead of the graph
// itself (messaging, copies, scheduling): wall time per frame per busy worker minus its kernel time.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchReport } from './report.js';
import type { SeriesSummary } from '../src/sinks/records.js';

const BIN = new URL('../../bin/stream-pipeline.js', import.meta.url).pathname;
const FRAMES = Number(process.env['PIPELINE_BENCH_FRAMES'] ?? 600);

interface RunResult {
  /** Summary of the first series (tables built cold) and of the second (steady state). */
  first: SeriesSummary;
  steady: SeriesSummary;
  goodKernelMs: number;
  /** Mean time in the worker per frame, from taking the task off the socket to the result. */
  workerTotalMs: number;
  /** Mean time the worker waited between tasks. */
  workerWaitMs: number;
  /** Frames/s the simulator could send into the pipeline, second series. */
  sentFps: number;
  peakRssMb: number;
}

function child(args: string[]) {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    p.on('close', (code) => resolve({ code, stderr })),
  );
  /** Waits for a line on stderr matching `re`. */
  const waitFor = async (re: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const m = re.exec(stderr);
      if (m) return m;
      if (p.exitCode !== null) throw new Error(`process ended early: ${stderr.slice(-1000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { p, done, waitFor };
}

/** Peak resident set (VmHWM) of a live process, MB. */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Two series through a pipeline with the given local workers; stops it after the second. */
async function runTwice(
  fast: number,
  good: number,
  rate: string,
  sharedMemorySlotMb = 16,
  hitFiles = false,
): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-pipeline-bench-'));
  try {
    const sim = child([
      'simulate',
      '--detector',
      'eiger2-4m',
      '--dtype',
      'uint32',
      '--frames',
      String(FRAMES),
      '--rate',
      rate,
      '--hit-fraction',
      '0.1',
      '--bind',
      'tcp://127.0.0.1:*',
      '--seed',
      '3',
      '--series-count',
      '2',
    ]);
    const endpoint = `tcp://127.0.0.1:${(await sim.waitFor(/listening on tcp:\/\/[^:]+:(\d+)/))[1]}`;
    const config = join(dir, 'bench.yaml');
    writeFileSync(
      config,
      [
        'pipeline:',
        '  worker_port: 0',
        `  shared_memory_slot_mb: ${sharedMemorySlotMb}`,
        `  fast:\n    workers: ${fast}\n    min_workers: ${fast}\n    max_workers: ${fast}`,
        `  good:\n    workers: ${good}\n    min_workers: ${good}\n    max_workers: ${good}\n    memory_budget_mb: 1024\n    spill_dir: ${join(dir, 'spill')}`,
        'outputs:',
        '  http_port: 0',
        '  spots_in_results: false',
        '  radial_in_results: false',
        ...(hitFiles ? ['  hdf5:', `    directory: ${join(dir, 'hits')}`] : []),
        'logging:',
        '  level: warn',
        '',
      ].join('\n'),
    );
    const pipe = child(['--config', config, '--endpoint', endpoint, '--results', join(dir, 'results.jsonl')]);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRss(pipe.p.pid!))), 200);
    await pipe.waitFor(/series 2[^\n]*: received/);
    clearInterval(sampler);
    pipe.p.kill('SIGTERM');
    const result = await pipe.done;
    const simOut = await sim.done;
    if (result.code !== 0) throw new Error(`pipeline failed: ${result.stderr.slice(-2000)}`);
    const records = readFileSync(join(dir, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summaries = records.filter((r) => r.type === 'summary');
    const steadyGood = records.filter((r) => r.type === 'frame' && r.path === 'good' && r.series === 2);
    // Means, not medians: a rate is one over the mean time per frame (hits take longer than misses).
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const kernel = steadyGood.map((r) => r.timing_ms.decode + r.timing_ms.analysis);
    const workerTotal = mean(steadyGood.map((r) => r.timing_ms.total));
    const workerWait = mean(steadyGood.map((r) => r.timing_ms.wait));
    const sent = [...simOut.stderr.matchAll(/series \d+ sent: .*\(([\d.]+) frames\/s\)/g)].map((m) => Number(m[1]));
    return {
      first: summaries[0],
      steady: summaries[1],
      goodKernelMs: mean(kernel),
      workerTotalMs: workerTotal,
      workerWaitMs: workerWait,
      sentFps: sent[1] ?? NaN,
      peakRssMb: peak,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function (report: BenchReport): Promise<void> {
  const note = (r: RunResult) =>
    `${FRAMES} EIGER2 4M uint32 frames per series, 10 % hits, second series (tables already built); pipeline process peak RSS ${r.peakRssMb.toFixed(0)} MB`;
  // (rate_fps in the summary counts from the first to the last result, so start-up is excluded.)

  // Good path alone, one worker then two: throughput, kernel cost, overhead of the graph.
  // Input paced just above what the worker(s) can do, so the worker always has a frame waiting
  // while the simulator and receiver take little CPU from it.
  const one = await runTwice(0, 1, '80');
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
  const socket = await runTwice(0, 1, '80', 0);
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
  const two = await runTwice(0, 2, '160');
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
  const both = await runTwice(1, 1, '120');
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
  const withFiles = await runTwice(1, 1, '120', 16, true);
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
  const burst = await runTwice(1, 1, 'max');
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
