// The `stream-pipeline` command line: one program, several subcommands.
// `stream-pipeline --config F` is the same as `stream-pipeline run --config F`.
import { Command } from 'commander';
import { registerRunCommand } from './runCommand.js';
import { registerConfigCommands } from './configDocsCommand.js';
import { registerWorkerCommand } from './workerCommand.js';
import { registerKeygenCommand } from './keygenCommand.js';
import { registerExportCommand } from './exportCommand.js';
import { registerInspectCommand } from '../../tools/replay/inspectCommand.js';
import { registerRecordCommand } from '../../tools/replay/recordCommand.js';
import { registerReplayCommand } from '../../tools/replay/replayCommand.js';
import { registerSimulateCommand } from '../../tools/replay/simulateCommand.js';
import { errorText } from './cliPath.js';

const program = new Command();
program
  .name('stream-pipeline')
  .description(
    'Edge streaming pipeline for DECTRIS EIGER data: receives the ZeroMQ stream (V1 or V2),\n' +
      'decodes bitshuffle/LZ4 frames, analyses them on a fast and a full path, and feeds back live.',
  )
  .showHelpAfterError();

registerRunCommand(program);
registerWorkerCommand(program);
registerInspectCommand(program);
registerRecordCommand(program);
registerReplayCommand(program);
registerSimulateCommand(program);
registerConfigCommands(program);
registerKeygenCommand(program);
registerExportCommand(program);
// Internal: the pipeline's hit-file writer process (src/sinks/hdf5/writerProcess.ts).
program.command('hdf5-writer', { hidden: true }).action(async () => {
  const { runHitWriter } = await import('../sinks/hdf5/writerProcess.js');
  runHitWriter();
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`stream-pipeline: ${errorText(err)}\n`);
  process.exit(1);
});
