// Runs the whole pipeline as real processes for tests: a simulator child (the detector), the
// pipeline child (receiver, broker, collector, its own local worker children), and reads back
// the results file. Ports are chosen by the OS and read from the processes' stderr.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type CliProcess, type CliSpawnOptions } from './cli.js';

/** A pipeline configuration for tests: OS-chosen ports, fast heartbeats, `pools` (YAML lines
 * under `pipeline:`, indented two spaces) for the worker pools. */
export function testConfig(pools: string): string {
  return `
pipeline:
  worker_port: 0
  heartbeat_ms: 250
  # 4 MB slots hold any test frame and keep several workers within a container's 64 MB /dev/shm.
  shared_memory_slot_mb: 4
${pools}
outputs:
  http_port: 0
logging:
  level: info
`;
}

export interface TruthRecord {
  series: number;
  frame: number;
  hit: boolean;
  spots: { x: number; y: number; intensity: number; sigma: number }[];
}

export interface ResultsRecord {
  type: 'series' | 'frame' | 'summary';
  [key: string]: unknown;
}

export interface PipelineRun {
  dir: string;
  simulator: CliProcess;
  pipeline: CliProcess;
  workerEndpoint: string;
  statusUrl: string;
}

/** Starts a simulator and a pipeline reading from it. `yaml` is the pipeline's configuration. */
export async function startPipelineRun(opts: {
  simulatorArgs: string[];
  yaml: string;
  timeoutMs: number;
  extraArgs?: string[];
  /** Exit after the first series (default true). */
  once?: boolean;
  /** Builds the configuration from the run's directory (overrides `yaml`). */
  configFor?: (dir: string) => string;
  /** How the pipeline process (and so its local workers) is started: environment, wrapper. */
  spawn?: CliSpawnOptions;
}): Promise<PipelineRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-pipeline-'));
  const simulator = startCli(
    ['simulate', '--bind', 'tcp://127.0.0.1:*', '--truth', join(dir, 'truth.jsonl'), ...opts.simulatorArgs],
    opts.timeoutMs,
  );
  const endpoint = await simulator.listeningEndpoint();
  const configPath = join(dir, 'pipeline.yaml');
  writeFileSync(configPath, opts.configFor ? opts.configFor(dir) : opts.yaml);
  const pipeline = startCli(
    [
      '--config',
      configPath,
      '--endpoint',
      endpoint,
      '--results',
      join(dir, 'results.jsonl'),
      ...(opts.once === false ? [] : ['--once']),
      ...(opts.extraArgs ?? []),
    ],
    opts.timeoutMs,
    opts.spawn,
  );
  const m = await pipeline.waitForStderr(/workers join at (tcp:\/\/\S+)\n[^\n]*status at (http:\/\/\S+)/);
  return { dir, simulator, pipeline, workerEndpoint: m[1]!.replace(/,$/, ''), statusUrl: m[2]! };
}

export function readResults(dir: string): ResultsRecord[] {
  return readFileSync(join(dir, 'results.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ResultsRecord);
}

export function readTruth(dir: string): TruthRecord[] {
  return readFileSync(join(dir, 'truth.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TruthRecord);
}

export interface PipelineStatus {
  workers: { path: string; pid: number; host: string }[];
  good: { redelivered: number; duplicates: number };
  badWorkerMessages: number;
  workersTimedOut: number;
  tasksSent: { sharedMemory: number; socket: number };
}

export async function status(url: string): Promise<PipelineStatus> {
  const res = await fetch(url);
  return (await res.json()) as Awaited<ReturnType<typeof status>>;
}
