// Runs the whole pipeline as users run it (the CLI, a simulated EIGER2 4M in its own process,
// local worker pools) for two series and reads back what it reports: the benchmarks of the
// pipeline and of the dashboard share it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { SeriesSummary } from '../src/sinks/records.js';

const BIN = new URL('../../bin/stream-pipeline.js', import.meta.url).pathname;
export const FRAMES = Number(process.env['PIPELINE_BENCH_FRAMES'] ?? 600);

export interface RunResult {
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
  /** Messages the dashboard clients received, in all. */
  dashboardMessages: number;
  /** CPU time (user + system) the pipeline process itself used over the whole run, s (its
   * workers are other processes). */
  pipelineCpuS: number;
  /** The pipeline's /status at the end of the second series. */
  status: {
    journal: { journaled: number; notJournaled: number; bytesWritten: number } | null;
    receiver: { bytes: number } | null;
  };
}

export interface RunOptions {
  fast: number;
  good: number;
  /** Simulator rate: frames/s, or 'max'. */
  rate: string;
  sharedMemorySlotMb?: number;
  hitFiles?: boolean;
  /** Dashboard pages (WebSocket clients on /ws that parse every message) connected throughout. */
  dashboardClients?: number;
  /** Publish the results to this broker (outputs.zocalo.url). */
  zocaloUrl?: string;
  /** The good path's memory budget (default 1024 MB); beyond it, frames spill to disk. */
  memoryBudgetMb?: number;
  /** The durable good path on (pipeline.good.journal_dir in the run's directory). */
  journal?: boolean;
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
export async function runTwice(options: RunOptions): Promise<RunResult> {
  const { fast, good, rate, sharedMemorySlotMb = 16, hitFiles = false, dashboardClients = 0, zocaloUrl } = options;
  const memoryBudgetMb = options.memoryBudgetMb ?? 1024;
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
        `  good:\n    workers: ${good}\n    min_workers: ${good}\n    max_workers: ${good}\n    memory_budget_mb: ${memoryBudgetMb}\n    spill_dir: ${join(dir, 'spill')}`,
        ...(options.journal ? [`    journal_dir: ${join(dir, 'journal')}`] : []),
        `  state_dir: ${join(dir, 'state')}`,
        'outputs:',
        '  http_port: 0',
        '  spots_in_results: false',
        '  radial_in_results: false',
        ...(hitFiles ? ['  hdf5:', `    directory: ${join(dir, 'hits')}`] : []),
        ...(zocaloUrl ? ['  zocalo:', `    url: ${zocaloUrl}`, `    queue: bench.${process.pid}.${Date.now()}`] : []),
        'logging:',
        '  level: warn',
        '',
      ].join('\n'),
    );
    const pipe = child(['--config', config, '--endpoint', endpoint, '--results', join(dir, 'results.jsonl')]);
    const httpPort = Number((await pipe.waitFor(/dashboard at http:\/\/[^:]+:(\d+)\//))[1]);
    const pages = await connectPages(httpPort, dashboardClients);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, peakRss(pipe.p.pid!))), 200);
    await pipe.waitFor(/series 2[^\n]*: received/);
    clearInterval(sampler);
    const dashboardMessages = pages.close();
    const status = (await (await fetch(`http://127.0.0.1:${httpPort}/status`)).json()) as RunResult['status'];
    const pipelineCpuS = cpuSeconds(pipe.p.pid!);
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
      dashboardMessages,
      pipelineCpuS,
      status,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The median over runs of `f`: the figure of one side of an alternating comparison. */
export function medianOf(runs: RunResult[], f: (r: RunResult) => number): number {
  const v = runs.map(f).sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
}

/** User + system CPU time of a live process, s (/proc/PID/stat fields 14 and 15, in clock
 * ticks of 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** `n` dashboard clients that read and parse every message, as a page does. */
async function connectPages(port: number, n: number): Promise<{ close(): number }> {
  let messages = 0;
  const clients = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
          ws.on('message', (m) => {
            JSON.parse(m.toString());
            messages++;
          });
          ws.once('open', () => resolve(ws));
          ws.once('error', reject);
        }),
    ),
  );
  return {
    close: () => {
      for (const ws of clients) ws.terminate();
      return messages;
    },
  };
}
