// Process: the pipeline's (with src/stages/pool/ and src/stages/collector/); the analysis in
// src/stages/worker/ and src/stages/analysis/ runs in the worker processes.
//
// The whole pipeline in one process: receiver -> (fast, good) worker pools -> collector ->
// sinks. Workers are separate processes (local children and/or remote machines) joined
// through the WorkerBroker; everything else runs here on one event loop, which only moves
// compressed bytes and small records, never pixels.
import type { Logger } from 'pino';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PipelineConfig } from '../config/PipelineConfig.js';
import type { SeriesStart, Frame } from '../receiver/events.js';
import { StreamReceiver } from '../receiver/StreamReceiver.js';
import { HttpServer } from '../dashboard/HttpServer.js';
import { PipelineMetrics } from '../sinks/PipelineMetrics.js';
import { ResultsFile } from '../sinks/ResultsFile.js';
import { RecordFeed } from '../dashboard/RecordFeed.js';
import { Dashboard, type PipelineHealth } from '../dashboard/Dashboard.js';
import { DashboardPush } from '../dashboard/DashboardPush.js';
import { PreviewRequests } from '../dashboard/PreviewRequests.js';
import { StaticAssets } from '../dashboard/StaticAssets.js';
import { AccessToken } from '../dashboard/AccessToken.js';
import { zocaloFromConfig } from '../sinks/zocalo/zocaloFromConfig.js';
import type { ZocaloSink } from '../sinks/zocalo/ZocaloSink.js';
import { collectionIds } from '../sinks/zocalo/collectionIds.js';
import type { ResultSink } from '../sinks/ResultSink.js';
import type { PipelineStatus } from '../sinks/records.js';
import { Collector } from './collector/Collector.js';
import { FastDispatcher } from './pool/FastDispatcher.js';
import { GoodDispatcher } from './pool/GoodDispatcher.js';
import { SeriesSetups } from './pool/SeriesSetups.js';
import { ownBytes, type Task } from './pool/Task.js';
import { WorkerBroker } from './pool/WorkerBroker.js';
import { WorkerSupervisor } from './pool/WorkerSupervisor.js';
import { DEFAULT_SLOT_MB } from './pool/SharedFrameSlots.js';
import { PoolScaler } from './PoolScaler.js';
import { seriesRecord } from './collector/seriesRecord.js';
import { configuredGridScan, type GridScan } from './grid/gridScan.js';
import { ensurePrivateDirectory } from '../util/privateDirectory.js';
import { ensureWritableDirectory } from '../util/writableDirectory.js';
import { workerAuth } from './pool/auth/workerAuth.js';
import { HitFiles } from '../sinks/hdf5/HitFiles.js';
import { hitFilePrefix } from '../sinks/hdf5/hitFilePrefix.js';
import { defaultStateDir, SeriesStates, type SeriesState } from './resume/SeriesStates.js';
import { SeriesTakeUp } from './resume/SeriesTakeUp.js';
import { GoodJournal } from './journal/GoodJournal.js';
import type { ResumedRun } from './collector/Collector.js';

/** What the state directory holds of an open run. */
type OpenRunState = Omit<SeriesState, 'format' | 'version' | 'name'>;

/** A file's size, 0 when it does not exist yet. */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Journaled frames handed to the good path at start, at most, before it has worked some off. */
const REPLAY_QUEUE_DEPTH = 64;

/** Time the hit-file writer has at shutdown to close the files of what it holds. */
const HIT_FILES_CLOSE_MS = 10_000;

export interface PipelineOptions {
  config: PipelineConfig;
  logger: Logger;
  /** Receive until this many series have ended and their outputs are written (undefined: until
   * stopped). */
  once?: number;
  /** Tests only: each good-path spill write waits this long first, as on a disk that stalls. */
  spillWriteDelayMs?: number;
}

export class Pipeline {
  readonly metrics = new PipelineMetrics();
  readonly collector: Collector;
  readonly broker: WorkerBroker;
  readonly good: GoodDispatcher;
  readonly fast: FastDispatcher;
  private localPools: { fast: WorkerSupervisor; good: WorkerSupervisor } | undefined;
  /** The hit files (outputs.hdf5.directory), or null when they are off. */
  readonly hitFiles: HitFiles | null;
  private readonly setups = new SeriesSetups();
  private readonly http: HttpServer;
  /** Results to the facility's broker (outputs.zocalo), or null. */
  readonly zocalo: ZocaloSink | null;
  /** The HTTP port wants an access token. */
  readonly tokenRequired: boolean;
  /** The live-feedback screen's model, and what pushes it to the page. */
  readonly dashboard: Dashboard;
  private readonly dashboardPush: DashboardPush;
  private receiver: StreamReceiver | undefined;
  private scaler: PoolScaler | undefined;
  private nextTaskId = 1;
  /** The pipeline's number for each series start (detectors may reuse series ids). */
  private nextRun = 1;
  /** The current run of each detector series id, and the channel analysed. */
  private readonly runs = new Map<number, { run: number; channel: string | null; state: OpenRunState | null }>();
  /** The state directory (pipeline.state_dir), or null when it cannot be used (warned). */
  private states: SeriesStates | null = null;
  /** The durable good path (pipeline.good.journal_dir), or null when it is off. */
  readonly journal: GoodJournal | null;
  /** Runs taken up after a restart whose journaled frames may be worked off. */
  private readonly takenUp = new Set<number>();
  /** The parts of the header message whose series start comes next (kept for a restart). */
  private headerParts: readonly Buffer[] | null = null;
  private stopped: Promise<void> | undefined;
  /** Receiver events that could not be handled (logged). */
  eventErrors = 0;
  /** Times reception waited for a spill disk that was far behind (see waitForSpill). */
  receptionWaitsForDisk = 0;
  private httpPort = 0;
  private readonly config: PipelineConfig;
  private readonly logger: Logger;
  private readonly configuredGrid: GridScan | null;

  constructor(private readonly options: PipelineOptions) {
    const { config, logger } = options;
    this.config = config;
    this.logger = logger;
    this.configuredGrid = configuredGridScan(config.detector.grid_scan);
    const previews = new PreviewRequests(() => this.http.dashboard.clients.size);
    this.dashboard = new Dashboard({
      setup: config.name,
      tally: (run) => this.collector.tally(run),
      health: () => this.dashboardHealth(),
      previewReceived: () => previews.received(),
    });
    const token = AccessToken.load(config.outputs.http_token_file);
    this.tokenRequired = token !== null;
    const page = StaticAssets.load();
    if (page.problem) logger.warn(page.problem);
    this.http = new HttpServer({
      host: config.outputs.http_host,
      port: config.outputs.http_port,
      registry: this.metrics.registry,
      status: () => this.status(),
      beforeMetrics: () => this.refreshGauges(),
      logger: logger.child({ stage: 'http' }),
      assets: page.assets,
      token,
      seriesView: (run) => this.dashboard.seriesView(run),
      onDashboardClient: (client) => this.dashboardPush.welcome(client),
    });
    this.dashboardPush = new DashboardPush(this.dashboard, this.http.dashboard);
    const sinks: ResultSink[] = [this.metrics, this.dashboard, new RecordFeed(this.http)];
    this.zocalo = zocaloFromConfig(config, logger.child({ stage: 'zocalo' }), () => this.busyFraction());
    if (this.zocalo) sinks.push(this.zocalo);
    const journalDir = config.pipeline.good.journal_dir;
    this.journal = journalDir
      ? new GoodJournal({
          dir: journalDir,
          maxBytes: config.pipeline.good.journal_max_mb * 1024 * 1024,
          logger: logger.child({ stage: 'journal' }),
        })
      : null;
    if (config.outputs.results) {
      const journal = this.journal;
      sinks.push(
        new ResultsFile({
          path: config.outputs.results,
          spots: config.outputs.spots_in_results,
          radial: config.outputs.radial_in_results,
          logger: logger.child({ stage: 'results' }),
          ...(journal && { onGoodFrameWritten: (run: number, frame: number) => journal.done(run, frame) }),
        }),
      );
    }
    const memoryBudgetBytes = config.pipeline.good.memory_budget_mb * 1024 * 1024;
    const hdf5 = config.outputs.hdf5;
    // The good path's waiting frames and the hits waiting for the writer share one memory budget
    // (each side asks the other when it stores something, after construction).
    this.hitFiles = hdf5.directory
      ? new HitFiles({
          directory: hdf5.directory,
          hitsOnly: hdf5.hits_only,
          framesPerFile: hdf5.frames_per_file,
          prefixOf: (start) => hitFilePrefix(hdf5.prefix, config.name, start),
          memoryBudgetBytes,
          otherMemoryBytes: () => this.good.queue.waitingInMemoryBytes,
          spillDir: config.pipeline.good.spill_dir,
          logger: logger.child({ stage: 'hdf5' }),
          onFile: (record) => this.collector.file(record),
        })
      : null;
    this.collector = new Collector(sinks, logger.child({ stage: 'collector' }), this.hitFiles);
    this.broker = new WorkerBroker({
      endpoint: `tcp://${config.pipeline.host}:${config.pipeline.worker_port}`,
      heartbeatMs: config.pipeline.heartbeat_ms,
      taskTimeoutMs: config.pipeline.task_timeout_s * 1000,
      // Slots of the local workers' size, or of a separately started worker's default.
      maxSlotBytes: Math.max(DEFAULT_SLOT_MB, config.pipeline.shared_memory_slot_mb) * 1024 * 1024,
      auth: workerAuth(config),
      logger: logger.child({ stage: 'broker' }),
      workerConfig: {
        analysis: config.analysis,
        spotFinder: { fast: config.pipeline.fast.spot_finder, good: config.pipeline.good.spot_finder },
      },
    });
    const hitFiles = this.hitFiles;
    this.good = new GoodDispatcher(
      this.broker,
      this.setups,
      this.collector,
      logger.child({ stage: 'good' }),
      {
        memoryBudgetBytes,
        spillDir: config.pipeline.good.spill_dir,
        otherMemoryBytes: hitFiles ? () => hitFiles.memoryBytes : undefined,
        ...(options.spillWriteDelayMs !== undefined && { spillWriteDelayMs: options.spillWriteDelayMs }),
      },
      hitFiles,
    );
    this.fast = new FastDispatcher(
      this.broker,
      this.setups,
      this.collector,
      logger.child({ stage: 'fast' }),
      config.pipeline.fast.sampling,
      previews,
    );
    this.broker.registerPath('good', this.good);
    this.broker.registerPath('fast', this.fast);
    // A summarised run needs no set-up any more, here or at the workers, nor taking up again.
    this.collector.on('summary', (_summary, run) => {
      this.setups.forget(this.broker, run);
      this.states?.summarised(run);
      this.takenUp.delete(run);
    });
    this.markJournalDone();
  }

  /** A good frame's journal record is done once its result is written (the results file says
   * when), or at once when there is no results file, or when the frame is given up. */
  private markJournalDone(): void {
    const journal = this.journal;
    if (!journal) return;
    this.collector.on('lost', (run, frame) => journal.done(run, frame));
    if (!this.config.outputs.results)
      this.collector.on('frame', (r) => {
        if (r.path === 'good') journal.done(r.run, r.frame);
      });
  }

  /** Binds the worker and HTTP ports and starts the local workers. */
  async start(): Promise<{ workerEndpoint: string; httpPort: number }> {
    // A spill directory another user could reach is refused now, not at the first spill.
    const spillDir = this.config.pipeline.good.spill_dir;
    if (spillDir !== null) ensurePrivateDirectory(spillDir);
    const journalDir = this.config.pipeline.good.journal_dir;
    if (journalDir !== null) ensurePrivateDirectory(journalDir);
    // Hit files nobody can write are refused now, not at the first hit.
    const hdf5Dir = this.config.outputs.hdf5.directory;
    if (hdf5Dir !== null) ensureWritableDirectory(hdf5Dir, 'outputs.hdf5.directory');
    const stateDir = this.config.pipeline.state_dir ?? defaultStateDir(this.config.name);
    this.states = SeriesStates.open(stateDir, this.config.name, this.logger.child({ stage: 'state' }));
    if (this.states) this.nextRun = Math.max(this.nextRun, this.states.nextRun());
    const workerEndpoint = await this.broker.bind();
    this.httpPort = await this.http.listen();
    const connect = this.broker.localEndpoint ?? workerEndpoint.replace(/\/\/(0\.0\.0\.0|\*)/, '//127.0.0.1');
    const { fast, good } = this.config.pipeline;
    const env = { STREAM_PIPELINE_LOG_LEVEL: this.config.logging.level };
    const keyFile = this.config.pipeline.auth.key_file;
    const args = [
      '--shm-slot-mb',
      String(this.config.pipeline.shared_memory_slot_mb),
      ...(keyFile ? ['--key', keyFile, '--server-key', keyFile] : []),
    ];
    const supervisors = {
      fast: new WorkerSupervisor({
        path: 'fast',
        connect,
        min: fast.min_workers,
        max: fast.max_workers,
        initial: fast.workers,
        logger: this.logger,
        env,
        args,
        onExit: (pid) => this.broker.processExited(pid),
      }),
      good: new WorkerSupervisor({
        path: 'good',
        connect,
        min: good.min_workers,
        max: good.max_workers,
        initial: good.workers,
        logger: this.logger,
        env,
        args,
        onExit: (pid) => this.broker.processExited(pid),
      }),
    };
    this.localPools = supervisors;
    supervisors.fast.start();
    supervisors.good.start();
    await this.waitForLocalWorkers(fast.workers, good.workers);
    this.scaler = new PoolScaler(
      {
        totals: () => this.collector.totals,
        goodWaiting: () => this.good.queue.waiting,
        pools: () => this.localPools ?? null,
        afterTick: () => this.refreshGauges(),
      },
      this.logger.child({ stage: 'scaler' }),
    );
    this.scaler.start();
    this.dashboardPush.start();
    this.zocalo?.start();
    this.logger.info({ workerEndpoint, httpPort: this.httpPort }, 'pipeline started');
    return { workerEndpoint, httpPort: this.httpPort };
  }

  /**
   * Waits (up to 30 s) until the local workers have joined, so the first frames of a series
   * that is already streaming are not all skipped by a fast path that has nobody yet.
   */
  private async waitForLocalWorkers(fast: number, good: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    const joined = () => this.broker.membersOf('fast').length >= fast && this.broker.membersOf('good').length >= good;
    while (!joined() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!joined()) this.logger.warn({ fast, good }, 'local workers slow to join; receiving anyway');
  }

  /** Receives from the detector until stop() (or, with `once`, that many series are summarised). */
  async run(endpoint: string): Promise<void> {
    this.receiver = new StreamReceiver(endpoint, {
      logger: this.logger.child({ stage: 'receiver' }),
      detectorDistance: this.config.detector.distance_fallback_m,
      onMessage: (parts, events) => {
        if (events.some((e) => e.type === 'series-start')) this.headerParts = parts;
      },
    });
    await this.takeUpSeries(this.states, this.receiver);
    const summarised = this.options.once !== undefined ? this.summaries(this.options.once) : null;
    void summarised?.then(() => this.receiver?.close());
    for await (const event of this.receiver) {
      try {
        if (event.type === 'series-start') this.onSeriesStart(event);
        else if (event.type === 'frame') this.onFrame(event);
        else this.onSeriesEnd(event.series, event.complete);
        if (this.good.queue.spillBehind) await this.waitForSpill();
      } catch (err) {
        // One bad event must not end the run; it is logged and counted, the stream goes on.
        this.eventErrors++;
        this.logger.error(
          { event: event.type, series: event.series, err: (err as Error).message },
          'event could not be handled',
        );
      }
    }
    if (summarised) await summarised;
  }

  /**
   * The spill's disk is more than most of a write buffer (48 MB) behind: rather than have the
   * good path refuse frames, reception waits for it, as it did when spill writes were made in
   * line with it; the event loop goes on meanwhile (workers, results, the dashboard). A disk
   * that merely stalls for a while is absorbed by the buffer and the budget's overdraft.
   */
  private async waitForSpill(): Promise<void> {
    this.receptionWaitsForDisk++;
    await this.good.queue.whenSpillCaughtUp();
  }

  /** Resolves once `count` series summaries have been written. */
  private summaries(count: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let seen = 0;
      const onSummary = () => {
        if (++seen < count) return;
        this.collector.off('summary', onSummary);
        resolve();
      };
      this.collector.on('summary', onSummary);
    });
  }

  /** Stops receiving, lets the good path finish the frames it has, writes summaries, exits.
   * Every call waits for the same shutdown. */
  stop(graceMs = 60_000): Promise<void> {
    this.stopped ??= this.shutdown(graceMs);
    return this.stopped;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.receiver?.close();
    const deadline = Date.now() + graceMs;
    while (this.collector.pending > 0 && Date.now() < deadline && this.good.queue.workerCount > 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // What workers answer from now on is counted lost below, so it is not written either.
    this.hitFiles?.stopTaking();
    this.collector.finish('pipeline-stopped');
    // Summaries wait for their hit files: the writer goes on for what is left of the grace (at
    // least HIT_FILES_CLOSE_MS), then the hits still queued are given up and the files closed.
    await this.hitFiles?.close(Math.max(HIT_FILES_CLOSE_MS, deadline - Date.now()));
    await this.collector.drained();
    this.scaler?.stop();
    await this.localPools?.fast.stop();
    await this.localPools?.good.stop();
    await this.broker.close();
    this.good.close();
    await this.collector.close();
    await this.journal?.close();
    await this.states?.close();
    // The last state (every series ended) goes to the pages before the port closes.
    this.dashboardPush.tick();
    this.dashboardPush.stop();
    await this.http.close();
    this.logger.info('pipeline stopped');
  }

  /** Sets the queue and worker gauges from the live state (at every scrape and scaler tick). */
  refreshGauges(): void {
    const m = this.metrics;
    const q = this.good.queue;
    m.queueDepth.set({ where: 'memory' }, q.waiting - q.waitingOnDisk);
    m.queueDepth.set({ where: 'disk' }, q.waitingOnDisk);
    m.inFlight.set({ path: 'good' }, q.inFlight);
    m.inFlight.set({ path: 'fast' }, this.fast.inFlight);
    m.spilled.set(q.spilledTotal);
    m.redelivered.set(q.redelivered);
    m.tasksByTransport.set({ transport: 'shared-memory' }, this.broker.tasksShared);
    m.tasksByTransport.set({ transport: 'socket' }, this.broker.tasksInline);
    m.workers.set({ path: 'good', where: 'all' }, q.workerCount);
    m.workers.set({ path: 'fast', where: 'all' }, this.fast.workerCount);
    if (this.localPools) {
      m.workers.set({ path: 'good', where: 'local' }, this.localPools.good.count);
      m.workers.set({ path: 'fast', where: 'local' }, this.localPools.fast.count);
    }
    const stats = this.receiver?.stats;
    if (stats) for (const [reason, n] of Object.entries(stats.errors)) m.receiverErrors.set({ reason }, n);
  }

  /** 1 while any frame is being analysed or waits for a worker, else 0 (the status broadcast's
   * utilization, sampled when it goes out). */
  private busyFraction(): number {
    const q = this.good.queue;
    return q.inFlight + q.waiting + this.fast.inFlight > 0 ? 1 : 0;
  }

  /** The pipeline's side of the dashboard's health panel. */
  private dashboardHealth(): PipelineHealth {
    const q = this.good.queue;
    const rates = this.scaler?.snapshot() ?? null;
    return {
      inputRate: rates?.receivedPerSecond ?? 0,
      processedRate: { good: rates?.goodPerSecond ?? 0, fast: rates?.fastPerSecond ?? 0 },
      goodQueue: { waiting: q.waiting, onDisk: q.waitingOnDisk, spilledTotal: q.spilledTotal, inFlight: q.inFlight },
      workers: { good: q.workerCount, fast: this.fast.workerCount },
      hitFilesWaiting: this.hitFiles ? this.hitFiles.waiting : null,
      dashboardClients: this.http.dashboard.clients.size,
    };
  }

  status(): PipelineStatus {
    const q = this.good.queue;
    return {
      name: this.config.name,
      workerEndpoint: this.broker.endpoint,
      setups: this.setups.size,
      eventErrors: this.eventErrors,
      lateResults: this.collector.lateResults,
      imagesNeverReceived: this.collector.neverReceived,
      badWorkerMessages: this.broker.badMessages,
      badWorkerResults: this.broker.badResults,
      refusedWorkerConnections: this.broker.refusedConnections,
      workersTimedOut: this.broker.workersTimedOut,
      workersWithoutSharedMemory: this.broker.workersWithoutSharedMemory,
      pulses: { kept: this.broker.pulses, stale: this.broker.stalePulses },
      tasksSent: { sharedMemory: this.broker.tasksShared, socket: this.broker.tasksInline },
      receiver: this.receiver?.stats.snapshot() ?? null,
      good: {
        waiting: q.waiting,
        waitingOnDisk: q.waitingOnDisk,
        spilledTotal: q.spilledTotal,
        keptOverBudget: q.keptOverBudget,
        receptionWaitsForDisk: this.receptionWaitsForDisk,
        inFlight: q.inFlight,
        workers: q.workerCount,
        redelivered: q.redelivered,
        duplicates: this.good.duplicates,
        failures: this.good.failures,
      },
      fast: { inFlight: this.fast.inFlight, workers: this.fast.workerCount, lostInFlight: this.fast.lostInFlight },
      journal: this.journal && { ...this.journal.counters, pending: this.journal.pending },
      hitFiles: this.hitFiles && {
        waiting: this.hitFiles.waiting,
        waitingOnDisk: this.hitFiles.waitingOnDisk,
        spilledTotal: this.hitFiles.spilledTotal,
        writerRestarts: this.hitFiles.writerRestarts,
      },
      local: { fast: this.localPools?.fast.count ?? 0, good: this.localPools?.good.count ?? 0 },
      workers: this.broker.membersOf().map((m) => ({ path: m.path, pid: m.pid, host: m.host })),
      rates: this.scaler?.snapshot() ?? null,
      http: { clients: this.http.clients, ...this.http.counters },
      zocalo: this.zocalo?.counters ?? null,
    };
  }

  /**
   * Takes up the series an earlier life of this pipeline had open when it died (kill -9, the
   * OOM killer...): their frames are analysed as before and their outputs continue.
   */
  private async takeUpSeries(states: SeriesStates | null, receiver: StreamReceiver): Promise<void> {
    const taken = states ? await new SeriesTakeUp(states, receiver, this.logger.child({ stage: 'state' })).run() : [];
    for (const t of taken) {
      this.onSeriesStart(t.start, { state: t.state, before: t.before });
      this.takenUp.add(t.state.run);
    }
    // The frames the earlier life received and did not finish go to the good path before
    // reception goes on; only then can the runs whose end had come be summarised.
    await this.journal?.recover({
      replay: (task) => this.replayFrame(task),
      trustDoneMarks: !this.config.outputs.results,
    });
    for (const t of taken) if (!t.live) this.onSeriesEnd(t.start.series, t.state.ended && t.state.complete);
  }

  /** A journaled frame of a run taken up: to the good path, unless it was finished already. */
  private async replayFrame(task: Task): Promise<boolean> {
    const { run, frame } = task.header;
    if (!this.takenUp.has(run) || this.collector.tally(run)?.receivedFrames.has(frame) !== false) return false;
    this.collector.frameReceived(run, frame);
    // Paced: the journal may hold far more than the good path's memory budget.
    while (this.good.queue.waiting >= REPLAY_QUEUE_DEPTH) await new Promise((r) => setTimeout(r, 10));
    this.good.submit({ header: { ...task.header, id: this.nextTaskId++ }, data: task.data });
    return true;
  }

  private onSeriesStart(start: SeriesStart, resumed?: { state: SeriesState; before: ResumedRun }): void {
    const run = resumed?.state.run ?? this.nextRun++;
    const state = resumed ? resumed.state : this.keepSeriesState(start, run);
    this.runs.set(start.series, { run, channel: start.channels[0] ?? null, state });
    this.setups.add(start, run);
    this.zocalo?.collection(run, collectionIds(start.userData, this.config.outputs.zocalo.dcid));
    const { record, gridProblem } = seriesRecord(start, this.config.analysis, this.configuredGrid);
    if (gridProblem)
      this.logger.warn({ series: start.series, problem: gridProblem }, 'grid scan description not usable');
    if (resumed) record.resumed = true;
    this.collector.seriesStart(record, run, resumed?.before);
    this.hitFiles?.seriesStart(start, run, start.channels[0] ?? null);
    this.setups.broadcast(this.broker, run);
  }

  /** Keeps the series' start in the state directory, for a restart; the run's state, or null. */
  private keepSeriesState(start: SeriesStart, run: number): OpenRunState | null {
    const header = this.headerParts;
    this.headerParts = null;
    if (!this.states || !header) return null;
    const resultsPath = this.config.outputs.results;
    const state: OpenRunState = {
      run,
      series: start.series,
      seriesUniqueId: start.seriesUniqueId,
      startedAt: new Date(start.receivedAt).toISOString(),
      results: resultsPath ? { path: resolve(resultsPath), offset: fileSize(resultsPath) } : null,
      ended: false,
      complete: false,
    };
    return this.states.started(state, header) ? state : null;
  }

  private onFrame(frame: Frame): void {
    this.metrics.framesReceived.inc();
    const current = this.runs.get(frame.series);
    if (!current) throw new Error(`frame ${frame.frame} of series ${frame.series} without a series start`);
    // Images are analysed in the series' first channel; frames of further channels are counted.
    current.channel ??= frame.channel;
    if (frame.channel !== current.channel) {
      this.collector.otherChannel(current.run);
      return;
    }
    if (!this.collector.frameReceived(current.run, frame.frame)) return;
    const task: Task = {
      header: {
        id: this.nextTaskId++,
        run: current.run,
        series: frame.series,
        frame: frame.frame,
        channel: frame.channel,
        width: frame.width,
        height: frame.height,
        dtype: frame.dtype,
        encoding: frame.encoding,
        receivedAt: frame.receivedAt,
      },
      data: ownBytes(frame.data),
    };
    this.fast.offer(task);
    if (!this.journal) {
      this.good.submit(task);
      return;
    }
    // Written ahead: the good path gets the frame once it is in the journal (or once the
    // journal has declined it, counted).
    void this.journal.append(task).then(() => this.submitGood(task));
  }

  private submitGood(task: Task): void {
    try {
      this.good.submit(task);
    } catch (err) {
      this.eventErrors++;
      this.logger.error(
        { series: task.header.series, frame: task.header.frame, err: (err as Error).message },
        'frame could not be queued',
      );
    }
  }

  private onSeriesEnd(series: number, complete: boolean): void {
    const current = this.runs.get(series);
    if (!current) return;
    // A series cut short by our own stop is not missing images: they were never due yet.
    this.collector.seriesEnd(current.run, complete, { countNeverReceived: this.stopped === undefined });
    if (current.state) this.states?.ended({ ...current.state, complete });
    // The receiver takes no more frames of an ended series; a new start makes a new run.
    this.runs.delete(series);
  }
}
