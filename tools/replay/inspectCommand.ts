import type { Command } from 'commander';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('inspect (being built)')
    .action(() => {
      process.stderr.write('stream-pipeline: inspect is not available in this version yet\n');
      process.exitCode = 2;
    });
}
