// `stream-pipeline export RECORDING --out PREFIX`: reprocessing. Runs the pipeline (the same
// analysis, good path and hit files as a live run) on a recording replayed as fast as it is
// taken, over a private IPC socket, and writes PREFIX_master.h5, PREFIX_data_000001.h5, ... and
// PREFIX.geom (PREFIX_2... for a second series, or when files of PREFIX exist already).
import { spawn } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, parseConfig } from '../config/loadConfig.js';
import type { PipelineConfig } from '../config/PipelineConfig.js';
import { Pipeline } from '../stages/Pipeline.js';
import { createLogger } from '../util/logger.js';
import { makePrivateTempDirectory } from '../util/privateDirectory.js';
import { ProgressLine } from '../../tools/replay/ProgressLine.js';
import { CLI_PATH } from './cliPath.js';

interface ExportOptions {
  out: string;
  hitsOnly?: boolean;
  config?: string;
}

/** The stream is over once the replay has sent everything and every series is summarised (checked this often). */
const QUIET_MS = 1000;
/** Seconds without progress after which an open series is taken as cut off. */
const MAX_QUIET_ROUNDS = 10;

export function registerExportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'write NXmx hit files from a recording (reprocessing): every frame is analysed as in a live run; ' +
        'all frames are written unless --hits-only',
    )
    .argument('<recording>', 'a recording made by "stream-pipeline record"')
    .requiredOption('--out <prefix>', 'path and name prefix of the files: PREFIX_master.h5, PREFIX_data_000001.h5...')
    .option('--hits-only', 'write only the hits (as outputs.hdf5.hits_only does)')
    .option('--config <file>', 'pipeline configuration for the analysis (default: the built-in defaults)')
    .action(async (recording: string, opts: ExportOptions) => {
      await exportRecording(recording, opts);
    });
}

async function exportRecording(recording: string, opts: ExportOptions): Promise<void> {
  const socketDir = makePrivateTempDirectory('stream-pipeline-export-');
  const endpoint = `ipc://${join(socketDir, 'stream.ipc')}`;
  const out = resolve(opts.out);
  const overrides = {
    'detector.endpoint': endpoint,
    'outputs.hdf5.directory': dirname(out),
    'outputs.hdf5.prefix': basename(out),
    'outputs.hdf5.hits_only': opts.hitsOnly ?? false,
    'outputs.http_port': 0,
  };
  const config: PipelineConfig = opts.config
    ? loadConfig(opts.config, overrides)
    : parseConfig('name: export\n', 'the built-in defaults', overrides);
  const logger = createLogger('stream-pipeline', config.logging.level);
  const pipeline = new Pipeline({ config, logger });
  const progress = new ProgressLine('export');
  let files = 0;
  pipeline.collector.on('file', (record) => {
    if (record.kind === 'master') process.stderr.write(`stream-pipeline export: wrote ${record.path}\n`);
    files++;
  });
  try {
    await pipeline.start();
    const running = pipeline.run(endpoint);
    await replayInto(recording, endpoint, () =>
      progress.update(() => {
        const t = pipeline.collector.totals;
        return `${t.received} frames received, ${t.processedGood} analysed, ${files} files written`;
      }),
    );
    await untilQuiet(pipeline);
    await pipeline.stop();
    await running;
    const t = pipeline.collector.totals;
    progress.finish(`${t.received} frames received, ${t.processedGood} analysed, ${files} files written`);
  } finally {
    await pipeline.stop();
    rmSync(socketDir, { recursive: true, force: true });
  }
}

/** Replays the recording into the pipeline's endpoint at full speed, in a child process of its own. */
function replayInto(recording: string, endpoint: string, tick: () => void): Promise<void> {
  const child = spawn(process.execPath, [CLI_PATH, 'replay', recording, '--bind', endpoint, '--speed', 'max'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const timer = setInterval(tick, 250);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve();
      else reject(new Error(`replaying ${recording} failed: ${stderr.trim() || `exit code ${String(code)}`}`));
    });
  });
}

/** Waits until nothing new arrives and every series' summary (with its files) is out. */
async function untilQuiet(pipeline: Pipeline): Promise<void> {
  let seen = -1;
  let quiet = 0;
  for (;;) {
    // Progress is frames arriving or being analysed: the replay ends long before the analysis.
    const t = pipeline.collector.totals;
    const progress = t.received + t.processedGood + t.processedFast;
    quiet = progress === seen ? quiet + 1 : 0;
    // A recording cut before its series' end leaves that series open: stop() then closes it.
    if (quiet > 0 && (pipeline.collector.pending === 0 || quiet >= MAX_QUIET_ROUNDS)) break;
    seen = progress;
    await new Promise((r) => setTimeout(r, QUIET_MS));
  }
  await pipeline.collector.drained();
}
