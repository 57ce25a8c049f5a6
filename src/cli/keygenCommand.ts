// `stream-pipeline keygen --out NAME`: a CURVE key pair for the pipeline or for one worker.
import type { Command } from 'commander';
import { writeKeyPair } from '../stages/pool/auth/keyFiles.js';

export function registerKeygenCommand(program: Command): void {
  program
    .command('keygen')
    .description(
      'write a CURVE key pair to NAME.key (secret, mode 600) and NAME.pub (public) for pipeline.auth or `worker --key`',
    )
    .requiredOption('--out <name>', 'file name without extension, e.g. /etc/stream-pipeline/pipeline')
    .action((opts: { out: string }) => {
      const { keyFile, publicFile, publicKey } = writeKeyPair(opts.out);
      process.stdout.write(`${keyFile} (secret, keep it on this machine)\n${publicFile}: public-key ${publicKey}\n`);
    });
}
