// `stream-pipeline config-docs`: prints the configuration reference (Markdown), and
// `stream-pipeline check-config F` validates a file without running anything.
import type { Command } from 'commander';
import { configReferenceMarkdown } from '../config/configDocs.js';
import { loadConfig } from '../config/loadConfig.js';

export function registerConfigCommands(program: Command): void {
  program
    .command('config-docs')
    .description('print every configuration key with its type, default and meaning (Markdown)')
    .action(() => {
      process.stdout.write(`${configReferenceMarkdown()}\n`);
    });
  program
    .command('check-config')
    .description('validate a configuration file and print it with every default filled in (JSON)')
    .argument('<file>', 'configuration file (YAML)')
    .action((file: string) => {
      const config = loadConfig(file);
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    });
}
