// `stream-pipeline run --config F` (or just `stream-pipeline --config F`): the pipeline.
// Runs until SIGINT/SIGTERM (finishing the current series' outputs first) or, with --once,
// until the first series (with the built-in simulator: its last series) has ended and every
// output is written.
import { spawn, type ChildProcess } from 'node:child_process';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config/loadConfig.js';
import type { PipelineConfig, SimulatorConfig } from '../config/PipelineConfig.js';
import { Pipeline } from '../stages/Pipeline.js';
import { createLogger } from '../util/logger.js';
import { connectEndpoint } from '../../tools/replay/cliOptions.js';
import { CLI_PATH } from './cliPath.js';

interface RunOptions {
  config?: string;
  endpoint?: string;
  results?: string;
  hdf5Dir?: string;
  dashboardPort?: number;
  workersFast?: number;
  workersGood?: number;
  zocaloUrl?: string;
  zocaloQueue?: string;
  journal?: string;
  once?: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run', { isDefault: true })
    .description('run the pipeline described by a configuration file until stopped (the default command)')
    .option('--config <file>', 'pipeline configuration (YAML); see `stream-pipeline config-docs`')
    .option('--endpoint <endpoint>', "override detector.endpoint (the detector's ZeroMQ stream)", connectEndpoint)
    .option('--results <file>', 'override outputs.results (JSON-lines results file)')
    .option('--hdf5-dir <dir>', 'override outputs.hdf5.directory (NXmx hit files)')
    .option('--dashboard-port <port>', 'override outputs.http_port (dashboard, /status, /metrics, the feeds)', port)
    .option('--workers-fast <n>', 'override pipeline.fast.workers (local fast workers)', count)
    .option('--workers-good <n>', 'override pipeline.good.workers (local good workers)', count)
    .option('--zocalo-url <url>', 'override outputs.zocalo.url (results to a RabbitMQ broker, amqp://host:5672)')
    .option('--zocalo-queue <name>', 'override outputs.zocalo.queue (the per-image results queue)')
    .option(
      '--journal <dir>',
      'override pipeline.good.journal_dir (the durable good path: frames journaled on disk before analysis)',
    )
    .option(
      '--once',
      'exit 0 after the first series has ended and every output is flushed (with detector.simulate: after the last series the simulator sends)',
    )
    .action(async (opts: RunOptions) => {
      if (!opts.config) throw new Error('--config <file> is required (try configs/demo.yaml)');
      const config = loadConfig(opts.config, {
        'detector.endpoint': opts.endpoint,
        'outputs.results': opts.results,
        'outputs.hdf5.directory': opts.hdf5Dir,
        'outputs.http_port': opts.dashboardPort,
        'pipeline.fast.workers': opts.workersFast,
        'pipeline.good.workers': opts.workersGood,
        'outputs.zocalo.url': opts.zocaloUrl,
        'outputs.zocalo.queue': opts.zocaloQueue,
        'pipeline.good.journal_dir': opts.journal,
      });
      await runPipeline(config, opts.once ? seriesToAwait(config) : undefined);
    });
}

/** With --once, the series to summarise before exiting: every one the built-in simulator sends
 * (it knows how many), else the first. */
function seriesToAwait(config: PipelineConfig): number {
  return config.detector.simulate?.series ?? 1;
}

async function runPipeline(config: PipelineConfig, once: number | undefined): Promise<void> {
  const logger = createLogger('stream-pipeline', config.logging.level);
  const pipeline = new Pipeline({ config, logger, ...(once !== undefined ? { once } : {}) });
  pipeline.collector.on('summary', (s) => {
    const lost =
      s.lost > 0
        ? ` (${Object.entries(s.lost_reasons)
            .map(([r, n]) => `${n} ${r}`)
            .join(', ')})`
        : '';
    process.stderr.write(
      `stream-pipeline: series ${s.series}${s.complete ? '' : ' (incomplete)'}: received ${s.received}, processed ${s.processed}, ` +
        `lost ${s.lost}${lost}, hits ${s.hits} (${(100 * s.hit_rate).toFixed(1)} %), fast path looked at ${s.processed_fast} ` +
        `and skipped ${s.skipped_fast}; latency p50/p99 good ${s.latency_ms.good.p50}/${s.latency_ms.good.p99} ms, ` +
        `fast ${s.latency_ms.fast.p50}/${s.latency_ms.fast.p99} ms\n`,
    );
  });
  const { httpPort, workerEndpoint } = await pipeline.start();
  const base = `http://${urlHost(config.outputs.http_host)}:${httpPort}`;
  const tokenNote = pipeline.tokenRequired ? ' (open it once as /?token=TOKEN)' : '';
  process.stderr.write(
    `stream-pipeline: ${config.name}: detector ${config.detector.endpoint}, workers join at ${workerEndpoint}\n` +
      `stream-pipeline: dashboard at ${base}/${tokenNote}, status at ${base}/status\n`,
  );
  let simulator: ChildProcess | undefined;
  if (config.detector.simulate) simulator = startSimulator(config.detector.simulate, config.detector.endpoint, logger);

  let signalled = false;
  const onSignal = (sig: string) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal: sig }, 'stopping: finishing the current series outputs');
    void pipeline.stop();
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));

  await pipeline.run(config.detector.endpoint);
  simulator?.kill('SIGTERM');
  await pipeline.stop();
}

/** The built-in simulator as a child process, so it does not share this event loop. */
function startSimulator(s: SimulatorConfig, endpoint: string, logger: ReturnType<typeof createLogger>): ChildProcess {
  // Binds where the pipeline connects, and nowhere else (not every interface).
  const bind = endpoint.replace(/^tcp:\/\/localhost:/, 'tcp://127.0.0.1:');
  const args = [
    CLI_PATH,
    'simulate',
    '--detector',
    s.model,
    '--frames',
    String(s.frames),
    '--rate',
    s.rate === 0 ? 'max' : String(s.rate),
    '--stream',
    s.stream,
    '--dtype',
    s.dtype,
    '--hit-fraction',
    String(s.hit_fraction),
    '--seed',
    String(s.seed),
    '--bind',
    bind,
    '--series-count',
    String(s.series),
    ...(s.ice_rings ? ['--ice-rings'] : []),
    ...(s.split_spots ? ['--split-spots'] : []),
    ...(s.truth ? ['--truth', s.truth] : []),
    ...(s.grid ? ['--grid', s.grid] : []),
  ];
  // The IPC channel closes when this process ends however it ends, and the simulator then exits.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  child.once('exit', (code, signal) => {
    // A simulator that failed sends nothing more: say so loudly, or the run just waits.
    if (code === 0 || signal === 'SIGTERM') logger.info({ code, signal }, 'simulator finished');
    else
      logger.error(
        { code, signal },
        'the built-in simulator failed; no more frames will come from it (its error is above)',
      );
  });
  logger.info({ pid: child.pid, bind }, 'started the built-in detector simulator');
  return child;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new InvalidArgumentError('must be a whole number from 0 to 256');
  return n;
}

/** A host as it goes into a URL the user can open: IPv6 in brackets, "any address" as loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
