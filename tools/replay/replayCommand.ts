import type { Command } from 'commander';

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay (being built)')
    .action(() => {
      process.stderr.write('stream-pipeline: replay is not available in this version yet\n');
      process.exitCode = 2;
    });
}
