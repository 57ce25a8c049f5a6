// `stream-pipeline replay`: serves a recording like the detector did, byte for byte, at the
// recorded pace (scaled) or as fast as the receiver takes it.
import type { Command } from 'commander';
import { Push } from 'zeromq';
import { bindEndpoint, fail, note, onStopSignal, speed } from './cliOptions.js';
import { PaceClock } from './PaceClock.js';
import { messageKind } from './messageKind.js';
import { RecordingError } from './RecordingFormat.js';
import { RecordingReader } from './RecordingReader.js';

interface ReplayOptions {
  bind?: string;
  speed: number | 'max';
  loop?: boolean;
}

/** Messages queued per peer before a send waits (multi-MB frames: keep memory bounded). */
const SEND_HWM = 16;

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'replay a recording made by "stream-pipeline record": binds a PUSH socket like the detector and sends ' +
        'every message byte-identically, at the recorded pace (scaled by --speed) or as fast as possible.',
    )
    .argument('<file>', 'recording file')
    .option(
      '--bind <endpoint>',
      'endpoint to bind (default tcp://127.0.0.1:9999 for a V1 recording, tcp://127.0.0.1:31001 for V2; tcp://*:PORT serves the network)',
      bindEndpoint,
    )
    .option(
      '--speed <factor|max>',
      'pace: 1 = as recorded, 2 = twice as fast, max = as fast as the receiver takes it',
      speed,
      1 as number | 'max',
    )
    .option('--loop', 'start again from the beginning at the end, until interrupted')
    .addHelpText(
      'after',
      '\nSending starts when a receiver connects (a PUSH socket holds messages until it has a peer).\n' +
        'The bound endpoint is printed on stderr ("listening on ...").',
    )
    .action(replay);
}

async function replay(file: string, o: ReplayOptions): Promise<void> {
  let reader: RecordingReader;
  try {
    reader = await RecordingReader.open(file);
  } catch (err) {
    fail('replay', err);
    return;
  }
  const bind = o.bind ?? (await defaultBind(reader));
  const socket = new Push({ sendHighWaterMark: SEND_HWM, linger: 30_000 });
  let stopped = false;
  const removeSignals = onStopSignal((signal) => {
    stopped = true;
    note('replay', `${signal}: stopping`);
    socket.linger = 0;
    socket.close();
  });
  let sent = 0;
  let frames = 0;
  try {
    await socket.bind(bind).catch((err: Error) => {
      throw new Error(`cannot bind ${bind}: ${err.message}`);
    });
    socket.events.on('accept', ({ address }) => note('replay', `receiver connected (${address})`));
    note(
      'replay',
      `listening on ${socket.lastEndpoint ?? bind}; replaying ${file} at ${o.speed === 'max' ? 'max speed' : `${o.speed}x`}${o.loop ? ', looping' : ''}`,
    );
    let clock: PaceClock | null = null;
    let pass = 0;
    do {
      let first: bigint | null = null;
      let last = 0n;
      for await (const message of reader.messages()) {
        if (stopped) break;
        if (o.speed !== 'max') {
          first ??= message.timeNs;
          const offset = clock ? clock.loopOffsetNs : 0n;
          await clock?.waitFor(offset + message.timeNs - first, o.speed);
          last = message.timeNs - first;
        }
        await socket.send(message.parts);
        // The pace clock starts when the first message has gone (i.e. when a receiver is there).
        clock ??= new PaceClock();
        sent++;
        if (messageKind(message.parts) === 'image') frames++;
      }
      if (clock) clock.loopOffsetNs += last + 1_000_000n;
      pass++;
      if (o.loop && sent === 0) {
        note('replay', `${file} holds no messages: nothing to loop over`);
        break;
      }
      if (o.loop && !stopped) {
        await reader.close();
        reader = await RecordingReader.open(file);
      }
    } while (o.loop && !stopped);
    note('replay', `sent ${sent} messages (${frames} frames) in ${pass} pass${pass === 1 ? '' : 'es'}`);
  } catch (err) {
    if (err instanceof RecordingError && err.code === 'ERR_TRUNCATED') {
      note('replay', `warning: ${err.message}; sent the ${sent} complete messages before it`);
    } else if (!stopped) {
      fail('replay', err);
    }
  } finally {
    removeSignals();
    await reader.close();
    if (!socket.closed) socket.close();
  }
}

/** V1 port for JSON multipart recordings, V2 port for CBOR ones (judged by the first message). */
async function defaultBind(reader: RecordingReader): Promise<string> {
  const probe = await RecordingReader.open(reader.path);
  try {
    for await (const message of probe.messages()) {
      return message.parts[0]?.[0] === 0x7b ? 'tcp://127.0.0.1:9999' : 'tcp://127.0.0.1:31001';
    }
  } catch {
    // An unreadable first message is reported by the replay itself.
  } finally {
    await probe.close();
  }
  return 'tcp://127.0.0.1:9999';
}
