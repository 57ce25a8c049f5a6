// `npm run soak -- [MINUTES]` (default 60): the pipeline as it runs at a beamline, for a long
// time, with workers dying. Not part of the test suite. It measures the good path's capacity on
// this machine (one series as fast as the simulator sends), then runs a simulated EIGER2 4M at
// 80 % of it, one series a minute, and kills a good worker with SIGKILL every 5 minutes.
// Every 10 s it samples the resident memory of the pipeline, its workers (together) and the
// simulator, and the pipeline's open descriptors, children and shared-memory regions. At the end:
// memory flatness (the last 10 minutes against the 10 after warm-up, both means; shorter runs
// scale those windows), frames lost, p99 latency per 10-minute window, and the counts at the
// start and at the end. The figures go to stdout and bench/results/soak.json.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childrenOf, openFds, rssMb, sharedMemoryNames } from './procStats.js';

const BIN = new URL('../../../bin/stream-pipeline.js', import.meta.url).pathname;
const RESULTS = new URL('../../../bench/results/', import.meta.url).pathname;
const SAMPLE_MS = 10_000;
const KILL_EVERY_MS = 5 * 60_000;
const SERIES_S = 60;

interface Sample {
  t: number;
  pipelineMb: number;
  workersMb: number;
  simulatorMb: number;
  fds: number;
  children: number;
  shm: number;
}

function start(args: string[]) {
  const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-200_000)));
  const done = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  const waitFor = async (re: RegExp) => {
    for (;;) {
      const m = re.exec(stderr);
      if (m) return m;
      if (p.exitCode !== null) throw new Error(`ended early: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { p, done, waitFor, stderr: () => stderr };
}

function config(dir: string): string {
  const path = join(dir, 'soak.yaml');
  writeFileSync(
    path,
    [
      'name: soak',
      'pipeline:',
      '  worker_port: 0',
      '  fast:\n    workers: 1\n    max_workers: 1',
      `  good:\n    workers: 1\n    min_workers: 1\n    max_workers: 1\n    spill_dir: ${join(dir, 'spill')}`,
      `  state_dir: ${join(dir, 'state')}`,
      'outputs:',
      '  http_port: 0',
      '  spots_in_results: false',
      '  radial_in_results: false',
      'logging:\n  level: warn',
      '',
    ].join('\n'),
  );
  return path;
}

/** Runs the simulator and a pipeline; returns the summaries and what `during` gathered. */
async function run(
  dir: string,
  simArgs: string[],
  during: (pipelinePid: number, statusUrl: string, simPid: number) => Promise<void>,
) {
  const sim = start([
    'simulate',
    '--detector',
    'eiger2-4m',
    '--dtype',
    'uint32',
    '--hit-fraction',
    '0.1',
    '--bind',
    'tcp://127.0.0.1:*',
    ...simArgs,
  ]);
  const endpoint = `tcp://127.0.0.1:${(await sim.waitFor(/listening on tcp:\/\/[^:]+:(\d+)/))[1]}`;
  const results = join(dir, `results-${Date.now()}.jsonl`);
  const pipe = start(['--config', config(dir), '--endpoint', endpoint, '--results', results]);
  const port = (await pipe.waitFor(/status at http:\/\/[^:]+:(\d+)\/status/))[1];
  const statusUrl = `http://127.0.0.1:${port}/status`;
  await during(pipe.p.pid!, statusUrl, sim.p.pid!);
  // The detector stops; the good path works off what it holds before the pipeline is stopped,
  // so what is lost is what the run lost, not what a stop cut short.
  sim.p.kill('SIGKILL');
  await drained(statusUrl, DRAIN_LIMIT_MS);
  pipe.p.kill('SIGINT');
  await pipe.done;
  const summaries = readFileSync(results, 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          type: string;
          received: number;
          processed: number;
          lost: number;
          lost_reasons: Record<string, number>;
          rate_fps: { good: number | null };
          latency_ms: { fast: { p99: number | null }; good: { p99: number | null } };
          ended_at: string;
        },
    )
    .filter((r) => r.type === 'summary');
  return summaries;
}

/** How long the good path may take to work off its backlog at the end. */
const DRAIN_LIMIT_MS = 10 * 60_000;

async function drained(statusUrl: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const s = (await (await fetch(statusUrl)).json()) as { good: { waiting: number; inFlight: number } };
    if (s.good.waiting === 0 && s.good.inFlight === 0) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);

async function main(): Promise<void> {
  const minutes = Number(process.argv[2] ?? 60);
  const dir = mkdtempSync(join(tmpdir(), 'sp-soak-'));
  try {
    // Capacity: one series of 400 frames as fast as it is taken.
    const calib = await run(dir, ['--frames', '400', '--rate', 'max'], async (_pid, statusUrl) => {
      for (;;) {
        const s = (await (await fetch(statusUrl)).json()) as {
          good: { waiting: number; inFlight: number };
          receiver: { frames?: number } | null;
        };
        if (s.receiver && (s.receiver.frames ?? 0) >= 400 && s.good.waiting === 0 && s.good.inFlight === 0) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    const capacity = calib[0]?.rate_fps.good ?? 30;
    const rate = Math.max(1, Math.floor(0.8 * capacity));
    const seriesCount = Math.max(1, Math.ceil((minutes * 60) / SERIES_S));
    process.stdout.write(
      `soak: good-path capacity ${capacity.toFixed(1)} frames/s; running ${minutes} min at ${rate} frames/s\n`,
    );
    const samples: Sample[] = [];
    let kills = 0;
    const t0 = Date.now();
    const summaries = await run(
      dir,
      ['--frames', String(rate * SERIES_S), '--rate', String(rate), '--series-count', String(seriesCount)],
      async (pid, statusUrl, simPid) => {
        let nextKill = t0 + KILL_EVERY_MS;
        while (Date.now() - t0 < minutes * 60_000) {
          const kids = childrenOf(pid);
          samples.push({
            t: (Date.now() - t0) / 1000,
            pipelineMb: rssMb(pid),
            workersMb: kids.reduce((a, k) => a + rssMb(k), 0),
            simulatorMb: rssMb(simPid),
            fds: openFds(pid),
            children: kids.length,
            shm: sharedMemoryNames(),
          });
          if (Date.now() >= nextKill) {
            const s = (await (await fetch(statusUrl)).json()) as { workers: { path: string; pid: number }[] };
            const victim = s.workers.find((w) => w.path === 'good');
            if (victim) {
              process.kill(victim.pid, 'SIGKILL');
              kills++;
            }
            nextKill += KILL_EVERY_MS;
          }
          await new Promise((r) => setTimeout(r, SAMPLE_MS));
        }
      },
    );
    report(minutes, rate, capacity, kills, samples, summaries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(
  minutes: number,
  rate: number,
  capacity: number,
  kills: number,
  samples: Sample[],
  summaries: Awaited<ReturnType<typeof run>>,
): void {
  const total = minutes * 60;
  const window = Math.min(600, total / 4);
  const warm = Math.min(300, total / 5);
  const early = samples.filter((s) => s.t >= warm && s.t < warm + window);
  const late = samples.filter((s) => s.t >= total - window);
  const flat = (f: (s: Sample) => number) => ({
    early: mean(early.map(f)),
    late: mean(late.map(f)),
    ratio: mean(late.map(f)) / mean(early.map(f)),
  });
  const lost = summaries.reduce((a, s) => a + s.lost, 0);
  const lostReasons: Record<string, number> = {};
  for (const s of summaries)
    for (const [reason, n] of Object.entries(s.lost_reasons ?? {}))
      lostReasons[reason] = (lostReasons[reason] ?? 0) + n;
  const windows: { fromMin: number; fastP99: number; goodP99: number }[] = [];
  const t0 = summaries.length ? Date.parse(summaries[0]!.ended_at) : 0;
  for (const s of summaries) {
    const w = Math.floor((Date.parse(s.ended_at) - t0) / 600_000);
    const entry = (windows[w] ??= { fromMin: w * 10, fastP99: 0, goodP99: 0 });
    entry.fastP99 = Math.max(entry.fastP99, s.latency_ms.fast.p99 ?? 0);
    entry.goodP99 = Math.max(entry.goodP99, s.latency_ms.good.p99 ?? 0);
  }
  const out = {
    minutes,
    rateFps: rate,
    capacityFps: capacity,
    goodWorkersKilled: kills,
    series: summaries.length,
    received: summaries.reduce((a, s) => a + s.received, 0),
    processed: summaries.reduce((a, s) => a + s.processed, 0),
    lost,
    lostReasons,
    rssMb: {
      pipeline: flat((s) => s.pipelineMb),
      workers: flat((s) => s.workersMb),
      simulator: flat((s) => s.simulatorMb),
    },
    counts: { first: samples[0], last: samples[samples.length - 1] },
    p99PerWindow: windows.filter(Boolean),
    samples,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'soak.json'), JSON.stringify(out, null, 1));
  const r = out.rssMb;
  const line = (name: string, f: { early: number; late: number; ratio: number }) =>
    `  ${name}: ${f.early.toFixed(0)} MB after warm-up, ${f.late.toFixed(0)} MB at the end (${f.ratio.toFixed(3)}x; flat within 5 %: ${Math.abs(f.ratio - 1) <= 0.05 ? 'yes' : 'NO'})\n`;
  process.stdout.write(
    `soak: ${minutes} min at ${rate} frames/s (80 % of ${capacity.toFixed(1)}), ${kills} good workers killed, ${out.series} series, received ${out.received}, processed ${out.processed}, lost ${lost} ${JSON.stringify(lostReasons)}\n` +
      line('pipeline RSS', r.pipeline) +
      line('workers RSS', r.workers) +
      line('simulator RSS', r.simulator) +
      `  p99 latency per 10-minute window (fast / good, ms): ${out.p99PerWindow.map((w) => `${w.fromMin}': ${w.fastP99}/${w.goodP99}`).join(', ')}\n` +
      `  pipeline fds ${out.counts.first?.fds} -> ${out.counts.last?.fds}, children ${out.counts.first?.children} -> ${out.counts.last?.children}, shm regions ${out.counts.first?.shm} -> ${out.counts.last?.shm}\n` +
      `  written to bench/results/soak.json\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
