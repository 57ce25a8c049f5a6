// `stream-pipeline record`: captures a detector stream to a recording file, byte for byte.
import type { Command } from 'commander';
import { Pull } from 'zeromq';
import { connectEndpoint, fail, nonNegativeInteger, note, onStopSignal } from './cliOptions.js';
import { messageKind } from './messageKind.js';
import { ProgressLine } from './ProgressLine.js';
import { RecordingWriter } from './RecordingWriter.js';

interface RecordOptions {
  endpoint: string;
  out: string;
  series: number;
  force?: boolean;
}

export function registerRecordCommand(program: Command): void {
  program
    .command('record')
    .description(
      'record a detector stream (V1 or V2) to a file: connects a PULL socket to the detector and writes ' +
        'every message part byte for byte with its arrival time. Replay it with "stream-pipeline replay".',
    )
    .requiredOption(
      '--endpoint <endpoint>',
      'the detector stream, e.g. tcp://dcu:9999 (V1) or tcp://dcu:31001 (V2)',
      connectEndpoint,
    )
    .requiredOption('--out <file>', 'recording file to write')
    .option(
      '--series <n>',
      'stop after this many series have ended (0 = until interrupted)',
      nonNegativeInteger('series'),
      0,
    )
    .option('--force', 'overwrite the output file if it exists')
    .addHelpText(
      'after',
      '\nStops after --series end-of-series messages, or on Ctrl-C / SIGTERM (the file is closed cleanly).\n' +
        'Progress (messages, frames, MB, frame rate) is shown on stderr.\n' +
        'The file format is documented in tools/replay/RecordingFormat.ts.',
    )
    .action(record);
}

async function record(o: RecordOptions): Promise<void> {
  let writer: RecordingWriter;
  try {
    writer = await RecordingWriter.create(o.out, { overwrite: o.force === true });
  } catch (err) {
    fail('record', err);
    return;
  }
  const socket = new Pull({ receiveHighWaterMark: 64, linger: 0 });
  let stopping = false;
  const removeSignals = onStopSignal((signal) => {
    stopping = true;
    note('record', `${signal}: closing the recording`);
    socket.close();
  });
  const progress = new ProgressLine('record');
  let frames = 0;
  let seriesEnded = 0;
  try {
    socket.connect(o.endpoint);
    note(
      'record',
      `recording ${o.endpoint} to ${o.out}${o.series > 0 ? ` until ${o.series} series end` : ' until interrupted'}`,
    );
    const started = process.hrtime.bigint();
    while (!stopping) {
      let parts: Buffer[];
      try {
        parts = await socket.receive();
      } catch (err) {
        if (stopping) break;
        throw err;
      }
      await writer.write(parts);
      const kind = messageKind(parts);
      if (kind === 'image') frames++;
      progress.update(() => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        return `${writer.messages} messages, ${frames} frames, ${(writer.bytes / 1e6).toFixed(1)} MB, ${(frames / Math.max(seconds, 1e-9)).toFixed(1)} frames/s`;
      });
      if (kind === 'end') {
        seriesEnded++;
        if (o.series > 0 && seriesEnded >= o.series) break;
      }
    }
  } catch (err) {
    fail('record', err);
  } finally {
    removeSignals();
    if (!socket.closed) socket.close();
    try {
      await writer.close();
    } catch (err) {
      fail('record', err);
    }
    progress.finish(
      `${writer.messages} messages, ${frames} frames, ${seriesEnded} series ended, ${(writer.bytes / 1e6).toFixed(1)} MB written to ${o.out}`,
    );
  }
}
