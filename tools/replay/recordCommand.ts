import type { Command } from 'commander';

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description('record (being built)')
    .action(() => {
      process.stderr.write('stream-pipeline: record is not available in this version yet\n');
      process.exitCode = 2;
    });
}
