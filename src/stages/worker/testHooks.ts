// Process: a worker's. FOR TESTS ONLY: nothing here does anything unless its environment
// variable is set, and no configuration or documented option sets them.
//
// The liveness tests need a real worker process, started by a real pipeline, whose analysis
// call blocks its main thread for longer than the broker's liveness window (as a slow native
// call on a huge frame would), and the same worker without its pulse thread, to prove the
// pulses are what keeps it alive.
import type { Logger } from 'pino';
import type { AnalyserFactory } from './Analyser.js';

/** "FRAME,FRAME,...:MS": frames (of every series) whose first analysis in this process
 * busy-waits MS first (once: a frame redelivered to the same worker must not block it again,
 * or a worker declared dead for it would be declared dead for ever). */
export const BUSY_FRAMES_ENV = 'STREAM_PIPELINE_TEST_BUSY_FRAMES';
/** "1": the worker sends no pulses (heartbeats from the main loop only). */
export const NO_PULSES_ENV = 'STREAM_PIPELINE_TEST_NO_PULSES';

/** The busy frames and how long, from the environment; null when unset. */
function busySpec(env: NodeJS.ProcessEnv): { frames: Set<number>; ms: number } | null {
  const spec = env[BUSY_FRAMES_ENV];
  if (!spec) return null;
  const [frames = '', ms = ''] = spec.split(':');
  const n = Number(ms);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${BUSY_FRAMES_ENV}=${spec}: expected FRAME,...:MS`);
  return { frames: new Set(frames.split(',').map(Number)), ms: n };
}

/** `make`, or (test hook set) `make` whose analysers busy-wait on the chosen frames first. */
export function withTestBusyFrames(make: AnalyserFactory, logger: Logger, env = process.env): AnalyserFactory {
  const busy = busySpec(env);
  if (!busy) return make;
  const done = new Set<string>();
  return (...args) => {
    const analyser = make(...args);
    const analyse = analyser.analyse.bind(analyser);
    analyser.analyse = (pixels, task) => {
      const key = `${task.run}:${task.frame}`;
      if (busy.frames.has(task.frame) && !done.has(key)) {
        done.add(key);
        // Synchronous, like a native call: no timer, socket or promise of this thread runs.
        const end = Date.now() + busy.ms;
        while (Date.now() < end);
        logger.info({ frame: task.frame, ms: busy.ms }, 'test hook: analysis held busy');
      }
      return analyse(pixels, task);
    };
    return analyser;
  };
}

/** False when the test hook turns the pulse thread off. */
export const pulsesWanted = (env = process.env): boolean => env[NO_PULSES_ENV] !== '1';
