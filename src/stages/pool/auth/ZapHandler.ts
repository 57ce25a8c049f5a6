// The ZeroMQ authentication handler (ZAP, ZeroMQ RFC 27) for the worker port: libzmq asks it,
// over inproc://zeromq.zap.01 in the same context, whether each connecting peer may join. With
// CURVE, the peer has proven it holds the secret of the public key it presents; it is let in
// only when that key is one of the authorized workers'. Every refusal is counted.
import { Reply } from 'zeromq';
import { z85Encode } from './z85.js';

export const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
/** The ZAP domain the worker port's sockets use (libzmq then insists on an answer). */
export const ZAP_DOMAIN = 'stream-pipeline-workers';

export class ZapHandler {
  private readonly socket = new Reply({ linger: 0 });
  accepted = 0;
  refused = 0;

  constructor(
    private readonly authorized: Set<string>,
    private readonly onRefused: (address: string, reason: string) => void,
  ) {}

  async start(): Promise<void> {
    await this.socket.bind(ZAP_ENDPOINT);
    void this.serve();
  }

  close(): void {
    this.socket.close();
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        await this.socket.send(this.answer(frames));
      }
    } catch {
      // The socket was closed.
    }
  }

  /** Request: version, request id, domain, address, routing id, mechanism, credentials... */
  private answer(frames: Buffer[]): (Buffer | string)[] {
    const [version, requestId = Buffer.alloc(0), domain, address, , mechanism, key] = frames;
    const reply = (code: string, text: string) => ['1.0', requestId, code, text, '', ''];
    const peer = address?.toString() ?? '?';
    let reason = '';
    if (version?.toString() !== '1.0') reason = 'unknown ZAP version';
    else if (domain?.toString() !== ZAP_DOMAIN) reason = 'wrong domain';
    else if (mechanism?.toString() !== 'CURVE') reason = `mechanism ${mechanism?.toString() ?? '?'} is not CURVE`;
    else if (!key || key.length !== 32) reason = 'no client key';
    else if (!this.authorized.has(z85Encode(key))) reason = `key ${z85Encode(key)} is not an authorized worker's`;
    if (reason === '') {
      this.accepted++;
      return reply('200', 'OK');
    }
    this.refused++;
    this.onRefused(peer, reason);
    return reply('400', reason);
  }
}
