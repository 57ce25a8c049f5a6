// `stream-pipeline inspect`: connects to a detector stream and prints one line per event (series
// start, frame, series end), human readable or as JSON lines; frames are decoded and fingerprinted
// with the sha256 of their little-endian pixel bytes.
import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { FrameDecoder } from '../../src/codec/FrameDecoder.js';
import type { Frame, SeriesEnd, SeriesStart } from '../../src/receiver/events.js';
import type { ReceiverLogger } from '../../src/receiver/logger.js';
import { StreamReceiver } from '../../src/receiver/StreamReceiver.js';
import { connectEndpoint, fail, note, onStopSignal, positiveInteger } from './cliOptions.js';
import { errorText } from '../../src/cli/cliPath.js';

interface InspectOptions {
  endpoint: string;
  series: number;
  json?: boolean;
  decode: boolean;
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      'connect to a detector stream (V1 or V2, detected per message) and print one line per message: ' +
        'series start, every frame (size, encoding, sha256 of the decoded pixels) and series end.',
    )
    .requiredOption(
      '--endpoint <endpoint>',
      'the detector stream, e.g. tcp://dcu:9999 (V1) or tcp://dcu:31001 (V2)',
      connectEndpoint,
    )
    .option('--series <n>', 'exit after this many series have ended', positiveInteger('series'), 1)
    .option('--json', 'one JSON object per line instead of text')
    .option('--no-decode', 'do not decode frames (no sha256); only report what arrived')
    .addHelpText(
      'after',
      '\nJSON records:\n' +
        '  {"type":"series-start","series":S,"stream":1|2,"width":W,"height":H,"dtype":..,"headerDetail":..,...}\n' +
        '  {"type":"frame","series":S,"frame":F,"width":W,"height":H,"dtype":"uint16"|"uint32","encoding":"..",\n' +
        '   "bytes":N,"sha256":"<hex of the decoded little-endian pixel bytes>"}   ("error" instead when it fails to decode)\n' +
        '  {"type":"series-end","series":S,"frames":N,"complete":true|false}\n' +
        'Exit code 0 after --series series have ended; 1 when a frame failed to decode or the stream stopped early.',
    )
    .action(inspect);
}

async function inspect(o: InspectOptions): Promise<void> {
  const receiver = new StreamReceiver(o.endpoint, { logger: stderrLogger() });
  const decoder = new FrameDecoder();
  const print = o.json ? printJson : printText;
  let ended = 0;
  let failures = 0;
  let interrupted = false;
  const removeSignals = onStopSignal((signal) => {
    interrupted = true;
    note('inspect', `${signal}: stopping`);
    receiver.close();
  });
  try {
    for await (const event of receiver) {
      if (event.type === 'frame') {
        const line = frameRecord(event, o.decode ? decoder : null);
        if (line.error !== undefined) failures++;
        print(line);
        continue;
      }
      print(event.type === 'series-start' ? startRecord(event) : endRecord(event));
      if (event.type === 'series-end' && !interrupted) {
        ended++;
        if (ended >= o.series) break;
      }
    }
  } catch (err) {
    fail('inspect', err);
  } finally {
    removeSignals();
    receiver.close();
  }
  if (ended < o.series) {
    fail('inspect', new Error(`stopped after ${ended} of ${o.series} series`));
  } else if (failures > 0) {
    fail('inspect', new Error(`${failures} frame(s) failed to decode`));
  }
}

type Row = Record<string, unknown> & { type: string };

/** The image shape, as the start and the frame records both give it. */
function shapeOf(e: SeriesStart | Frame): Pick<Row, 'width' | 'height' | 'dtype'> {
  return { width: e.width, height: e.height, dtype: e.dtype };
}

function startRecord(e: SeriesStart): Row {
  return {
    type: 'series-start',
    series: e.series,
    stream: e.streamVersion,
    seriesUniqueId: e.seriesUniqueId,
    headerDetail: e.headerDetail,
    detector: e.detectorDescription,
    ...shapeOf(e),
    nimages: e.numberOfImages,
    channels: e.channels,
    beamCenterX: e.beamCenterX,
    beamCenterY: e.beamCenterY,
    detectorDistance: e.detectorDistance,
    wavelength: e.wavelength,
  };
}

function endRecord(e: SeriesEnd): Row {
  return {
    type: 'series-end',
    series: e.series,
    frames: e.framesReceived,
    complete: e.complete,
    ...(e.reason ? { reason: e.reason } : {}),
  };
}

function frameRecord(e: Frame, decoder: FrameDecoder | null): Row & { error?: string } {
  const row: Row & { error?: string } = {
    type: 'frame',
    series: e.series,
    frame: e.frame,
    channel: e.channel,
    ...shapeOf(e),
    encoding: e.encoding.name,
    bytes: e.data.length,
  };
  if (!decoder) return row;
  try {
    const pixels = decoder.decodeFrame(e);
    // The decoder's output is host order; little-endian on every platform this runs on.
    row.sha256 = createHash('sha256')
      .update(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength))
      .digest('hex');
  } catch (err) {
    row.error = errorText(err);
  }
  return row;
}

function printJson(row: Row): void {
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

function printText(row: Row): void {
  let line: string;
  switch (row.type) {
    case 'series-start':
      line = `series ${String(row.series)} start: stream V${String(row.stream)}, ${String(row.detector ?? 'unknown detector')}, ${row.width == null ? 'shape not announced' : `${String(row.width)}x${String(row.height)} ${String(row.dtype)}`}, header_detail ${String(row.headerDetail)}, ${row.nimages ?? '?'} images`;
      break;
    case 'series-end':
      line = `series ${String(row.series)} end: ${String(row.frames)} frames${row.complete ? '' : ` (incomplete: ${String(row.reason ?? 'cut short')})`}`;
      break;
    default:
      line =
        `frame ${String(row.series)}:${String(row.frame)} ${String(row.width)}x${String(row.height)} ${String(row.dtype)} ` +
        `${String(row.encoding)} ${String(row.bytes)} B` +
        (row.sha256 ? ` sha256 ${String(row.sha256)}` : '') +
        (row.error ? ` DECODE ERROR: ${String(row.error)}` : '');
  }
  process.stdout.write(`${line}\n`);
}

/** Receiver warnings and errors as plain lines on stderr; routine info stays quiet. */
function stderrLogger(): ReceiverLogger {
  return {
    info: () => undefined,
    warn: (_fields, message) => note('inspect', `warning: ${message}`),
    error: (_fields, message) => note('inspect', `error: ${message}`),
  };
}
