import type { Command } from 'commander';

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('simulate (being built)')
    .action(() => {
      process.stderr.write('stream-pipeline: simulate is not available in this version yet\n');
      process.exitCode = 2;
    });
}
