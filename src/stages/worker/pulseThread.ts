// Process: a worker's, in a thread of its own (started by PulseSender).
//
// The worker's liveness, kept apart from its analysis: the main thread spends seconds at a time
// inside synchronous native calls, during which its own heartbeats cannot leave. This thread
// does nothing else: with a DEALER of its own to the same broker (with the worker's CURVE keys,
// when it uses them), it sends the pulse token of the worker's current membership every
// heartbeat. It stops with the process (a SIGSTOPped worker falls silent, as it should) and
// when told to; it never holds the process open.
import { parentPort, workerData } from 'node:worker_threads';
import { Dealer } from 'zeromq';
import { encodePoolMessage } from '../pool/protocol.js';
import type { PulseCommand, PulseThreadData } from './PulseSender.js';

const data = workerData as PulseThreadData;
const socket = new Dealer({ linger: 0, conflate: true });
if (data.curve) {
  socket.curveServerKey = data.curve.serverKey;
  socket.curvePublicKey = data.curve.keyPair.publicKey;
  socket.curveSecretKey = data.curve.keyPair.secretKey;
}
socket.connect(data.connect);

let token: string | null = null;
let timer: NodeJS.Timeout | undefined;
/** A send still waiting (broker unreachable): the next beat is skipped rather than queued. */
let sending = false;

function beat(): void {
  if (token === null || sending || socket.closed) return;
  sending = true;
  socket
    .send(encodePoolMessage({ t: 'pulse', token }))
    .catch(() => undefined)
    .finally(() => (sending = false));
}

function command(cmd: PulseCommand): void {
  if (cmd.t === 'stop') {
    clearInterval(timer);
    socket.close();
    parentPort?.close();
    return;
  }
  token = cmd.token;
  clearInterval(timer);
  if (token === null) return;
  beat();
  timer = setInterval(beat, cmd.heartbeatMs);
}

parentPort?.on('message', command);
