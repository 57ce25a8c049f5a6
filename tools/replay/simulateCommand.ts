// `stream-pipeline simulate`: a simulated EIGER2 detector streaming synthetic frames.
import type { Command } from 'commander';
import { DETECTOR_NAMES, type DetectorName } from '../../src/simulator/DetectorModel.js';
import { DEFAULT_BIND, DetectorSimulator, type SeriesReport } from '../../src/simulator/DetectorSimulator.js';
import type { HeaderDetail } from '../../src/simulator/SimulatedSeries.js';
import {
  bindEndpoint,
  fail,
  fraction,
  gridShape,
  nonNegativeInteger,
  note,
  onStopSignal,
  oneOf,
  positiveInteger,
  rate,
} from './cliOptions.js';

/** After a stop signal, how long the simulator may spend getting the end of series out. */
const STOP_GRACE_MS = 3000;

interface SimulateOptions {
  detector: DetectorName;
  frames: number;
  rate: number | 'max';
  stream: 'v1' | 'v2';
  dtype: 'uint16' | 'uint32';
  hitFraction: number;
  iceRings?: boolean;
  splitSpots?: boolean;
  seed: number;
  truth?: string;
  bind?: string;
  series: number;
  repeat?: boolean;
  seriesCount?: number;
  headerDetail: HeaderDetail;
  headerAppendix?: string;
  imageAppendix?: string;
  pool?: number;
  grid?: { cols: number; rows: number };
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'simulate an EIGER2 detector: bind a ZeroMQ PUSH socket and stream a series of synthetic frames ' +
        '(Poisson background, solvent ring, Bragg spots on hits) as stream V1 or V2, like the DCU does.',
    )
    .option(
      '--detector <name>',
      `detector model: ${DETECTOR_NAMES.join(', ')}`,
      oneOf('detector', DETECTOR_NAMES),
      'eiger2-4m',
    )
    .option('--frames <n>', 'frames per series', nonNegativeInteger('frames'), 10)
    .option(
      '--rate <hz|max>',
      'frames per second, or "max" for as fast as the receiver takes them',
      rate,
      10 as number | 'max',
    )
    .option(
      '--stream <v1|v2>',
      'stream format: v1 (JSON multipart) or v2 (CBOR)',
      oneOf('stream', ['v1', 'v2'] as const),
      'v1',
    )
    .option('--dtype <type>', 'pixel type: uint16 or uint32', oneOf('dtype', ['uint16', 'uint32'] as const), 'uint16')
    .option('--hit-fraction <f>', 'fraction of frames with Bragg spots (0..1)', fraction('hit fraction'), 0.5)
    .option('--ice-rings', 'add hexagonal ice rings to the background')
    .option('--split-spots', 'double every spot at a 5-7 px offset (split crystal)')
    .option('--seed <n>', 'random seed; the same seed gives the same frames', nonNegativeInteger('seed'), 1)
    .option(
      '--truth <file>',
      'write the truth of every frame (hit, spots; in a grid scan its cell, and a line with the crystal) as JSON lines',
    )
    .option(
      '--bind <endpoint>',
      `endpoint to bind (default ${DEFAULT_BIND[1]} for v1, ${DEFAULT_BIND[2]} for v2; port * = any free port)`,
      bindEndpoint,
    )
    .option('--series <id>', 'series id of the first series', nonNegativeInteger('series'), 1)
    .option('--series-count <n>', 'number of series to send', positiveInteger('series count'))
    .option('--repeat', 'send series after series (ids counting up, the same frames each time) until interrupted')
    .option(
      '--header-detail <level>',
      'header detail: all, basic or none',
      oneOf('header detail', ['all', 'basic', 'none'] as const),
      'all',
    )
    .option(
      '--header-appendix <text>',
      'header appendix (V1 last header part; V2 start user_data). With --grid, the grid series merges its grid description into it when it is a JSON object (its own keys win, grid_scan included); any other text is sent as it is, without the description',
    )
    .option('--image-appendix <text>', 'image appendix (V1 fifth image part; V2 image user_data)')
    .option(
      '--pool <n>',
      'distinct frames to pre-encode and cycle (0 = synthesise every frame live; default: live when synthesis keeps up with --rate, about 4 Hz for a 4M, else 16-32 frames, sized so the pool holds the hit fraction)',
      nonNegativeInteger('pool'),
    )
    .option(
      '--grid <COLSxROWS>',
      'the first series is a grid scan of COLSxROWS images (e.g. 20x15; --frames is for the series after it) over a crystal at a seeded position: spots per cell fall off with the distance from it, cells more than 4 away are empty; snaked rows, 0.02 mm steps, described in the header as {"grid_scan": {"steps_x", "steps_y", "dx_mm", "dy_mm", "snaked", "orientation"}}; the truth file gives the crystal and the cell of each frame',
      gridShape,
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  stream-pipeline simulate --detector eiger2-16m --frames 1000 --rate 100 --stream v2 --dtype uint32\n' +
        '  stream-pipeline simulate --frames 100 --rate max --bind tcp://127.0.0.1:* --truth truth.jsonl\n' +
        '  stream-pipeline simulate --grid 20x15 --series-count 2 --frames 500 --rate 50   # a grid scan, then SSX\n' +
        '\nThe bound endpoint is printed on stderr ("listening on ..."). Frames at high rates come from a pool\n' +
        'of pre-encoded frames: frame i repeats pool entry i % pool (the truth file says which, as "source").',
    )
    .action(simulate);
}

async function simulate(o: SimulateOptions): Promise<void> {
  // Started by a pipeline (detector.simulate) over an IPC channel: go when it goes, even killed.
  if (process.send) process.once('disconnect', () => process.exit(0));
  if (o.repeat && o.seriesCount !== undefined) {
    fail('simulate', new Error('--repeat and --series-count exclude each other'));
    return;
  }
  let sim: DetectorSimulator;
  try {
    sim = new DetectorSimulator({
      detector: o.detector,
      frames: o.frames,
      rate: o.rate,
      stream: o.stream === 'v1' ? 1 : 2,
      dtype: o.dtype,
      hitFraction: o.hitFraction,
      iceRings: o.iceRings === true,
      splitSpots: o.splitSpots === true,
      seed: o.seed,
      series: o.series,
      seriesCount: o.repeat ? Infinity : (o.seriesCount ?? 1),
      headerDetail: o.headerDetail,
      ...(o.bind !== undefined ? { bind: o.bind } : {}),
      ...(o.truth !== undefined ? { truthFile: o.truth } : {}),
      ...(o.headerAppendix !== undefined ? { headerAppendix: o.headerAppendix } : {}),
      ...(o.imageAppendix !== undefined ? { imageAppendix: o.imageAppendix } : {}),
      ...(o.pool !== undefined ? { poolSize: o.pool } : {}),
      ...(o.grid !== undefined ? { grid: o.grid } : {}),
    });
  } catch (err) {
    fail('simulate', err);
    return;
  }
  let stopRequested = false;
  const removeSignals = onStopSignal((signal) => {
    stopRequested = true;
    note('simulate', `${signal}: ending the series and stopping`);
    sim.stop();
    // A PUSH send waits for as long as no receiver takes it; do not hang on a receiver that left.
    setTimeout(() => {
      note(
        'simulate',
        `no receiver took the remaining messages within ${STOP_GRACE_MS / 1000} s; exiting without them`,
      );
      sim.close(0);
      process.exit(1);
    }, STOP_GRACE_MS).unref();
  });
  try {
    const pooled = sim.frameSources.filter((s) => !s.live);
    for (const s of pooled) note('simulate', `${s.name}: pre-encoding up to ${s.capacity} distinct frames`);
    await sim.prepare();
    for (const s of sim.frameSources.filter((s) => !s.live)) {
      note('simulate', `${s.name} ready: ${s.size} frames, ${(s.encodedBytes / 1e6).toFixed(1)} MB`);
    }
    const bound = await sim.bind();
    const grid = o.grid ? `a ${o.grid.cols}x${o.grid.rows} grid scan, then ` : '';
    note(
      'simulate',
      `listening on ${bound} (${o.detector}, stream ${o.stream}, ${o.dtype}, ${grid}${o.frames} frames per series at ${o.rate === 'max' ? 'max rate' : `${o.rate} Hz`})`,
    );
    await sim.run((r: SeriesReport) => {
      const rateText = r.seconds > 0 ? `${(r.frames / r.seconds).toFixed(1)} frames/s` : 'n/a';
      note(
        'simulate',
        `series ${r.series} sent: ${r.frames} frames, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s (${rateText})`,
      );
    });
  } catch (err) {
    fail('simulate', err);
  } finally {
    removeSignals();
    sim.close(stopRequested ? STOP_GRACE_MS : undefined);
  }
}
