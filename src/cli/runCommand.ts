// `stream-pipeline run --config F`: the pipeline itself (stage graph, workers, collector).
import type { Command } from 'commander';

export function registerRunCommand(program: Command): void {
  program
    .command('run', { isDefault: true })
    .description('run the pipeline described by a configuration file until stopped')
    .option('--config <file>', 'pipeline configuration (YAML)')
    .action(() => {
      process.stderr.write('stream-pipeline: the pipeline (run) is not available in this version yet\n');
      process.exitCode = 2;
    });
}
