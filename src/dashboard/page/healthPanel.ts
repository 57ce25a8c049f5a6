// Whether the pipeline keeps up: rates in and out, queues, workers, how far behind each path is,
// and the shown series' own counts. Values that mean trouble (frames lost, a path seconds behind,
// frames spilled to disk) turn amber or red where they stand.
import type { HealthView, SeriesView } from '../dashboardMessages.js';
import { field, setClass, setText } from './dom.js';
import { count, NONE, rate, reasons, seconds } from './format.js';

/** A path this far behind its input is no longer "live" feedback. */
const DELAY_WARN_MS = 5000;

type Level = 'ok' | 'warn' | 'bad';

export class HealthPanel {
  private readonly fields = new Map<string, HTMLElement>();

  apply(health: HealthView, series: SeriesView | null): void {
    this.set('input-rate', rate(health.inputRate));
    this.set('processed-rate-good', rate(health.processedRate.good));
    this.set('processed-rate-fast', rate(health.processedRate.fast));
    this.set('fast-skipped', count(health.skippedFast));
    this.set('fast-skipped-reasons', reasons(health.skippedFastReasons));
    const q = health.goodQueue;
    this.set('good-queue-waiting', count(q.waiting));
    this.set('good-queue-in-flight', count(q.inFlight));
    this.set('good-queue-on-disk', count(q.onDisk), q.onDisk > 0 ? 'warn' : 'ok');
    this.set('good-queue-spilled', count(q.spilledTotal));
    this.set('workers-good', count(health.workers.good), health.workers.good === 0 ? 'bad' : 'ok');
    this.set('workers-fast', count(health.workers.fast), health.workers.fast === 0 ? 'bad' : 'ok');
    this.set('delay-good', seconds(health.delayMs.good), delayLevel(health.delayMs.good));
    this.set('delay-fast', seconds(health.delayMs.fast), delayLevel(health.delayMs.fast));
    this.set('files-written', count(health.filesWritten));
    this.set('hit-file-queue', health.hitFilesWaiting == null ? 'off' : count(health.hitFilesWaiting));
    this.set('dashboard-clients', count(health.dashboardClients));
    this.applySeries(series);
  }

  private applySeries(series: SeriesView | null): void {
    const c = series?.counts;
    this.set('series-received', count(c?.received));
    this.set('series-processed-good', count(c?.processedGood));
    this.set('series-processed-fast', count(c?.processedFast));
    this.set('series-hits-good', count(c?.hitsGood));
    this.set('series-hits-fast', count(c?.hitsFast));
    this.set('series-lost', count(c?.lost), c && c.lost > 0 ? 'bad' : 'ok');
    this.set('series-lost-reasons', c ? reasons(c.lostReasons) : NONE);
    this.set('series-skipped-fast', count(c?.skippedFast));
    this.set('series-skipped-fast-reasons', c ? reasons(c.skippedFastReasons) : NONE);
    this.set('series-files-written', count(c?.filesWritten));
  }

  private set(name: string, text: string, level: Level = 'ok'): void {
    let el = this.fields.get(name);
    if (!el) this.fields.set(name, (el = field(name)));
    setText(el, text);
    setClass(el, 'warn', level === 'warn');
    setClass(el, 'bad', level === 'bad');
  }
}

function delayLevel(ms: number | null): Level {
  return ms != null && ms > DELAY_WARN_MS ? 'warn' : 'ok';
}
