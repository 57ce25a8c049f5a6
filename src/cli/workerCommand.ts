// `stream-pipeline worker --connect tcp://HOST:PORT --path fast|good`: one analysis worker.
// The pipeline starts local ones itself; start this on other machines to scale out.
import { DEFAULT_SLOT_MB } from '../stages/pool/SharedFrameSlots.js';
import { readKeyPair, readPublicKey } from '../stages/pool/auth/keyFiles.js';
import type { PoolPath } from '../sinks/records.js';
import { type Command, Option } from 'commander';
import { connectEndpoint, integerIn } from '../../tools/replay/cliOptions.js';
import { PoolWorker } from '../stages/worker/PoolWorker.js';
import { createFrameAnalyser } from '../stages/worker/FrameAnalyser.js';
import { createLogger } from '../util/logger.js';
import { pulsesWanted, withTestBusyFrames } from '../stages/worker/testHooks.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description("run one analysis worker that joins a pipeline's fast or good pool (local or remote)")
    .requiredOption(
      '--connect <endpoint>',
      "the pipeline's worker endpoint, e.g. tcp://pipeline-host:5600",
      connectEndpoint,
    )
    .addOption(new Option('--path <path>', 'which pool to join').choices(['fast', 'good']).makeOptionMandatory())
    .option(
      '--credit <n>',
      'frames the worker may hold at once (default: 1 fast, 4 good: a few frames in hand hide pauses of the pipeline)',
      integerIn('--credit', 1, 16),
    )
    .option(
      '--key <file>',
      "this worker's CURVE key pair file (`stream-pipeline keygen`), for a pipeline whose worker port requires authentication",
    )
    .option(
      '--server-key <file>',
      "the pipeline's public key file (its .pub, from `stream-pipeline keygen`); given with --key",
    )
    .option(
      '--shm-slot-mb <mb>',
      'shared-memory slot per frame of credit, used when the pipeline runs on this machine (larger frames, and other machines, go over the socket; 0: never)',
      integerIn('--shm-slot-mb', 0, 256),
      DEFAULT_SLOT_MB,
    )
    .action(
      async (opts: {
        connect: string;
        path: PoolPath;
        credit?: number;
        shmSlotMb: number;
        key?: string;
        serverKey?: string;
      }) => {
        if ((opts.key === undefined) !== (opts.serverKey === undefined))
          throw new Error('--key and --server-key go together');
        const curve =
          opts.key && opts.serverKey
            ? { keyPair: readKeyPair(opts.key), serverKey: readPublicKey(opts.serverKey) }
            : undefined;
        const logger = createLogger(`worker-${opts.path}`);
        const worker = new PoolWorker({
          connect: opts.connect,
          curve,
          path: opts.path,
          credit: opts.credit ?? (opts.path === 'fast' ? 1 : 4),
          slotBytes: Math.round(opts.shmSlotMb * 1024 * 1024),
          logger,
          makeAnalyser: withTestBusyFrames(createFrameAnalyser, logger),
          pulses: pulsesWanted(),
        });
        const stop = () => worker.stop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        // Started by a pipeline (local worker): leave when it goes, however it went.
        if (process.connected) process.once('disconnect', stop);
        await worker.run();
        logger.info({ processed: worker.processed, failed: worker.failed }, 'worker stopped');
        // Let the goodbye leave before the process goes.
        setTimeout(() => process.exit(0), 100);
      },
    );
}

/** Fits a compressed EIGER2 16M frame of ordinary content; the same default as the configuration. */
