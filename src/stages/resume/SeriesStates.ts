// The pipeline's state directory (pipeline.state_dir): what it must know to take up, after it
// died, the series it had open. Per open run: its header message (headerFile.ts) and a small
// JSON record (its detector series id, where the results file stood when it started, whether
// its end was received); and the next run number, so runs stay unique across restarts. A run's
// files are removed once its summary is written. A file that is damaged, or another
// program's or set-up's, is reported and ignored, never trusted.
//
// Writes are asynchronous, one after another, so a slow disk never holds up reception; a
// pipeline killed before a run's files are written simply has nothing to take up for it. A
// header waiting for the disk is dropped as soon as its run is summarised (a burst of series
// starts without frames, each with a 16 MB mask, must not pile masks up here), and beyond
// MAX_PENDING_HEADER_BYTES a new series keeps no state at all (warned).
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensurePrivateDirectory } from '../../util/privateDirectory.js';
import { decodeHeaderFile, encodeHeaderFile } from './headerFile.js';
import { releaseStateLock, takeStateLock } from './stateLock.js';

const FORMAT = 'stream-pipeline-series-state';
/** Header bytes waiting for the disk, at most. */
const MAX_PENDING_HEADER_BYTES = 64 * 1024 * 1024;
const VERSION = 1;

export interface SeriesState {
  format: typeof FORMAT;
  version: typeof VERSION;
  /** The set-up (config `name`) the run belongs to. */
  name: string;
  run: number;
  series: number;
  seriesUniqueId: string | null;
  startedAt: string;
  /** The results file, and its size when the series started: the earlier life's frame records
   * are after that offset. */
  results: { path: string; offset: number } | null;
  /** The end message was received (complete: it was the detector's end, not a cut). */
  ended: boolean;
  complete: boolean;
}

export interface LoadedState {
  state: SeriesState;
  header: Buffer[];
}

/** The default: $XDG_STATE_HOME (else ~/.local/state)/stream-pipeline/<set-up name>. */
export function defaultStateDir(name: string): string {
  const base = process.env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state');
  return join(base, 'stream-pipeline', name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'pipeline');
}

const runFile = (run: number, ext: 'json' | 'header') => `run-${String(run).padStart(6, '0')}.${ext}`;
const RUN_FILE = /^run-(\d{6,})\.(json|header)$/;
const NEXT_RUN_FILE = 'next-run.json';

export class SeriesStates {
  /** The write chain: each file operation after the one before. */
  private writes: Promise<void> = Promise.resolve();
  /** Headers not yet written, by run (dropped when the run is summarised first). */
  private readonly pendingHeaders = new Map<number, readonly Uint8Array[]>();
  private pendingHeaderBytes = 0;
  /** Series that kept no state because the disk was too far behind. */
  notKept = 0;
  private released = false;

  private constructor(
    readonly dir: string,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Opens (creating) the directory and takes its lock; null, with a warning, when another
   * live pipeline holds it or it cannot be used: this pipeline then keeps no series state. */
  static open(dir: string, name: string, logger: Logger): SeriesStates | null {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      ensurePrivateDirectory(dir);
      const lock = takeStateLock(dir);
      if (!lock.taken) {
        logger.warn(
          { stateDir: dir, holder: lock.holder },
          `state directory ${dir} is in use by pipeline process ${lock.holder}: this one keeps no series state and cannot take up series after a restart (give each set-up its own name or pipeline.state_dir)`,
        );
        return null;
      }
    } catch (err) {
      logger.warn(
        { stateDir: dir, err: (err as Error).message },
        `state directory ${dir} cannot be used (${(err as Error).message}): no series state is kept, series cannot be taken up after a restart`,
      );
      return null;
    }
    return new SeriesStates(dir, name, logger);
  }

  /** The runs left open by an earlier life, oldest first; damaged or foreign ones are reported
   * and left out. */
  load(): LoadedState[] {
    const loaded: LoadedState[] = [];
    for (const file of readdirSync(this.dir).sort()) {
      const m = RUN_FILE.exec(file);
      if (!m || m[2] !== 'json') continue;
      const state = this.readState(file);
      if (!state) continue;
      const header = this.readHeader(runFile(state.run, 'header'));
      if (header) loaded.push({ state, header });
    }
    return loaded.sort((a, b) => a.state.run - b.state.run);
  }

  /** The first run number not used by an earlier life (1 for a fresh directory). */
  nextRun(): number {
    try {
      const value = (JSON.parse(readFileSync(join(this.dir, NEXT_RUN_FILE), 'utf8')) as { nextRun?: unknown }).nextRun;
      if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
    } catch {
      // missing (fresh directory) or unreadable: runs start again at 1, as without a state dir
    }
    return 1;
  }

  /** A series started as run `run`: keeps its header and record. False (warned) when the disk
   * is too far behind to take them: the run cannot be taken up after a restart. */
  started(state: Omit<SeriesState, 'format' | 'version' | 'name'>, header: readonly Uint8Array[]): boolean {
    this.writeJson(NEXT_RUN_FILE, { nextRun: state.run + 1 });
    const bytes = header.reduce((n, p) => n + p.byteLength, 0);
    if (this.pendingHeaderBytes + bytes > MAX_PENDING_HEADER_BYTES) {
      if (this.notKept++ === 0)
        this.logger.warn(
          { dir: this.dir, series: state.series, pendingBytes: this.pendingHeaderBytes },
          `state directory ${this.dir} is ${this.pendingHeaderBytes} bytes behind: series ${state.series} keeps no state and cannot be taken up after a restart (counted; this is said once)`,
        );
      return false;
    }
    this.pendingHeaders.set(state.run, header);
    this.pendingHeaderBytes += bytes;
    const full: SeriesState = { format: FORMAT, version: VERSION, name: this.name, ...state };
    this.chain(runFile(state.run, 'header'), async (path) => {
      const parts = this.pendingHeaders.get(state.run);
      if (!parts) return; // summarised before its turn came
      try {
        const file = await open(`${path}.tmp`, 'w', 0o600);
        try {
          await file.writev(encodeHeaderFile(parts));
        } finally {
          await file.close();
        }
        await rename(`${path}.tmp`, path);
      } finally {
        this.dropHeader(state.run);
      }
    });
    this.writeJson(runFile(state.run, 'json'), full);
    return true;
  }

  /** The run's end message was received (or it was cut short by the next series). */
  ended(state: SeriesState | Omit<SeriesState, 'format' | 'version' | 'name'>): void {
    this.writeJson(runFile(state.run, 'json'), {
      format: FORMAT,
      version: VERSION,
      name: this.name,
      ...state,
      ended: true,
    });
  }

  /** The run's summary is written: nothing of it needs taking up any more. */
  summarised(run: number): void {
    this.dropHeader(run);
    for (const ext of ['json', 'header'] as const) this.chain(runFile(run, ext), (path) => rm(path, { force: true }));
  }

  /** Waits for the writes in progress, then gives up the lock. */
  async close(): Promise<void> {
    await this.writes;
    if (!this.released) releaseStateLock(this.dir);
    this.released = true;
  }

  private writeJson(file: string, value: object): void {
    this.chain(file, async (path) => {
      await writeFile(`${path}.tmp`, `${JSON.stringify(value)}\n`, { mode: 0o600 });
      await rename(`${path}.tmp`, path);
    });
  }

  private dropHeader(run: number): void {
    const parts = this.pendingHeaders.get(run);
    if (!parts) return;
    this.pendingHeaders.delete(run);
    this.pendingHeaderBytes -= parts.reduce((n, p) => n + p.byteLength, 0);
  }

  private chain(file: string, write: (path: string) => Promise<void>): void {
    const path = join(this.dir, file);
    this.writes = this.writes
      .then(() => write(path))
      .catch((err: unknown) =>
        this.logger.warn({ path, err: (err as Error).message }, `state file ${path} could not be written`),
      );
  }

  private readState(file: string): SeriesState | null {
    const path = join(this.dir, file);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      return this.ignore(path, `it is no JSON state record (${(err as Error).message})`);
    }
    const problem = stateProblem(value, this.name);
    if (problem) return this.ignore(path, problem);
    const state = value as SeriesState;
    if (file !== runFile(state.run, 'json')) return this.ignore(path, `it names run ${state.run}`);
    return state;
  }

  private readHeader(file: string): Buffer[] | null {
    const path = join(this.dir, file);
    try {
      return decodeHeaderFile(readFileSync(path));
    } catch (err) {
      return this.ignore(path, (err as Error).message);
    }
  }

  private ignore(path: string, why: string): null {
    this.logger.warn({ path, problem: why }, `ignoring state file ${path}: ${why}`);
    return null;
  }
}

/** What is wrong with a parsed state record, or null. */
function stateProblem(v: unknown, name: string): string | null {
  if (typeof v !== 'object' || v === null) return 'it is no object';
  const s = v as Partial<SeriesState>;
  if (s.format !== FORMAT) return `it is no ${FORMAT} record`;
  if (s.version !== VERSION) return `version ${String(s.version)}, this pipeline reads ${VERSION}`;
  if (s.name !== name) return `it belongs to set-up ${JSON.stringify(s.name)}, not ${JSON.stringify(name)}`;
  if (!Number.isInteger(s.run) || s.run! < 1) return 'no valid run number';
  if (!Number.isInteger(s.series)) return 'no valid series id';
  if (typeof s.ended !== 'boolean' || typeof s.complete !== 'boolean') return 'no ended/complete flags';
  const r = s.results;
  if (
    r !== null &&
    (typeof r !== 'object' || typeof r?.path !== 'string' || !Number.isInteger(r.offset) || r.offset < 0)
  )
    return 'no valid results position';
  if (s.seriesUniqueId !== null && typeof s.seriesUniqueId !== 'string') return 'no valid series_unique_id';
  return null;
}
