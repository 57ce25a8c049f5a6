// At start: the runs an earlier life left open (SeriesStates), made ready to take up. Each
// run's kept header is decoded again by the receiver's own decoder: the newest run still
// receiving primes the live receiver, so the rest of its images are taken as its own; runs
// whose end had come (their good path was still working) are decoded aside and only finish.
// What each earlier life finished is read from the results file (resultsScan.ts).
import type { Logger } from 'pino';
import type { SeriesStart, StreamEvent } from '../../receiver/events.js';
import { StreamDecoder } from '../../receiver/StreamDecoder.js';
import type { StreamReceiver } from '../../receiver/StreamReceiver.js';
import type { ResumedRun } from '../collector/Collector.js';
import { scanResults } from './resultsScan.js';
import type { LoadedState, SeriesState, SeriesStates } from './SeriesStates.js';

export interface TakenUpRun {
  state: SeriesState;
  start: SeriesStart;
  before: ResumedRun;
  /** The run still receiving: its images keep coming to the live receiver. */
  live: boolean;
}

export class SeriesTakeUp {
  constructor(
    private readonly states: SeriesStates,
    private readonly receiver: StreamReceiver,
    private readonly logger: Logger,
  ) {}

  /** The runs to take up, the live one (if any) last. */
  async run(): Promise<TakenUpRun[]> {
    const loaded = this.states.load();
    const live = [...loaded].reverse().find((l) => !l.state.ended) ?? null;
    const ordered = [...loaded.filter((l) => l !== live), ...(live ? [live] : [])];
    const taken: TakenUpRun[] = [];
    for (const l of ordered) {
      const run = await this.takeUp(l, l === live);
      if (run) taken.push(run);
    }
    return taken;
  }

  private async takeUp(loaded: LoadedState, live: boolean): Promise<TakenUpRun | null> {
    const { state, header } = loaded;
    const events: StreamEvent[] = live
      ? this.receiver.prime(header)
      : new StreamDecoder({ logger: this.logger }).decodeMessage(header);
    const start = events.find((e): e is SeriesStart => e.type === 'series-start');
    if (!start || start.series !== state.series) {
      this.logger.warn(
        { run: state.run, series: state.series },
        `the kept header of series ${state.series} (run ${state.run}) does not decode to its start: the series cannot be taken up`,
      );
      this.states.summarised(state.run);
      return null;
    }
    const before = state.results
      ? await scanResults(state.results.path, state.results.offset, state.series)
      : { goodFrames: [], processed: 0, hits: 0, processedFast: 0, unreadableLines: 0 };
    this.logger.warn(
      {
        run: state.run,
        series: state.series,
        processedBefore: before.processed,
        unreadableLines: before.unreadableLines,
        receiving: live,
      },
      `taking up series ${state.series} (run ${state.run}) after a restart: ${before.processed} images were finished before it${
        state.results ? '' : ' (no results file: none is known to be)'
      }; the images neither life finishes will be named in its summary`,
    );
    return { state, start, before, live };
  }
}
