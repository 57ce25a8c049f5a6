// Whether, and how, workers must authenticate on the TCP worker port. Anyone who can reach an
// unauthenticated ROUTER port can abort libzmq by claiming a routing id it is about to hand
// out (its numbering is a counter: seeding makes it unpredictable, not collision-proof), or
// join as a worker, receive detector frames and send back results. So a worker port bound
// beyond loopback requires CURVE; on loopback it is optional (other users of the machine are
// then the only strangers, and configuring auth keeps them out too).
import type { PipelineConfig } from '../../../config/PipelineConfig.js';
import { readAuthorizedKeys, readKeyPair, type KeyPair } from './keyFiles.js';

export class WorkerAuthError extends Error {}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The broker's CURVE settings from the configuration, or null (loopback without auth);
 * throws naming what to do when the port would be open to the network without it. */
export function workerAuth(config: PipelineConfig): { keyPair: KeyPair; authorized: Set<string> } | null {
  const { host, auth } = config.pipeline;
  if (auth.key_file === null && auth.authorized_workers_file === null) {
    if (isLoopback(host)) return null;
    throw new WorkerAuthError(
      `pipeline.host ${host} opens the worker port to the network, where an unauthenticated peer could crash the pipeline ` +
        'or pose as a worker: set pipeline.auth.key_file and pipeline.auth.authorized_workers_file ' +
        '(make keys with `stream-pipeline keygen --out NAME`), or bind 127.0.0.1',
    );
  }
  if (auth.key_file === null || auth.authorized_workers_file === null) {
    throw new WorkerAuthError('pipeline.auth needs both key_file and authorized_workers_file');
  }
  const keyPair = readKeyPair(auth.key_file);
  // Local workers are started with the pipeline's own key pair.
  const authorized = readAuthorizedKeys(auth.authorized_workers_file).add(keyPair.publicKey);
  return { keyPair, authorized };
}
