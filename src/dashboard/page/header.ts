// The header, always on screen: which set-up, which series and how far it is, and the choice of
// a past series. Looking at a past series is marked loudly, so nobody takes it for the live one.
import type { SeriesView, StateMessage } from '../dashboardMessages.js';
import { field, setClass, setHidden, setText } from './dom.js';
import { clock, count, NONE } from './format.js';
import type { SeriesSelection } from './seriesSelection.js';

const LIVE = 'live';

export class Header {
  private readonly setup = field('setup');
  private readonly series = field('series');
  private readonly run = field('series-run');
  private readonly state = field('series-state');
  private readonly images = field('series-images');
  private readonly bar = field('series-progress');
  private readonly select = field<HTMLSelectElement>('series-select');
  private readonly banner = field('view-banner');
  private readonly mode = field('view-mode');
  private readonly notice = field('view-notice');
  private readonly back = field<HTMLButtonElement>('back-to-live');
  private runs: string | null = null;
  private currentRun: number | null = null;

  constructor(private readonly selection: SeriesSelection) {
    this.select.addEventListener('change', () => this.chosen());
    this.back.addEventListener('click', () => selection.live());
  }

  apply(state: StateMessage, shown: SeriesView | null): void {
    this.currentRun = state.current?.run ?? null;
    setText(this.setup, state.setup);
    this.applySeries(shown);
    this.applyOptions(state.recent);
    this.applyViewing();
  }

  private applySeries(s: SeriesView | null): void {
    setText(this.series, s ? `series ${s.series}` : 'no series yet');
    setText(this.run, s ? `run ${s.run}${s.detector ? ` · ${s.detector}` : ''}` : '');
    setText(this.state, s ? s.state : NONE);
    for (const k of ['receiving', 'draining', 'ended'] as const) setClass(this.state, k, s?.state === k);
    const n = s?.counts.received ?? null;
    const of = s?.numberOfImages ?? null;
    setText(this.images, n == null ? NONE : of == null ? `${count(n)} images` : `${count(n)} / ${count(of)} images`);
    const fraction = n != null && of ? Math.min(1, n / of) : 0;
    this.bar.style.width = `${(fraction * 100).toFixed(1)}%`;
  }

  /** Which series are listed changes when one starts, not per update: only then is the list
   * rebuilt (rebuilding it under an open drop-down would close it); frame counts and states are
   * updated in place. */
  private applyOptions(recent: StateMessage['recent']): void {
    const runs = recent.map((r) => r.run).join(',');
    if (runs !== this.runs) {
      this.runs = runs;
      const options = [new Option('live: newest series', LIVE)];
      for (const r of recent) options.push(new Option(optionText(r), String(r.run)));
      this.select.replaceChildren(...options);
    } else {
      recent.forEach((r, i) => {
        const option = this.select.options[i + 1];
        const text = optionText(r);
        if (option && option.text !== text) option.text = text;
      });
    }
    const v = this.selection.viewing;
    const value = v.kind === 'live' ? LIVE : String(v.run);
    if (this.select.value !== value) this.select.value = value;
  }

  private applyViewing(): void {
    const v = this.selection.viewing;
    setHidden(this.banner, v.kind === 'live' && this.selection.notice === null);
    setClass(document.body, 'viewing-past', v.kind === 'past');
    // Live with only a notice to give: a plain strip, not the amber of a past series.
    setClass(this.banner, 'notice-only', v.kind === 'live');
    setHidden(this.back, v.kind === 'live');
    setText(this.notice, this.selection.notice ?? '');
    if (v.kind === 'past') setText(this.mode, `viewing series ${v.snapshot.series} (${v.snapshot.state})`);
    else if (v.kind === 'loading') setText(this.mode, `loading run ${v.run}…`);
    else setText(this.mode, LIVE);
  }

  private chosen(): void {
    const value = this.select.value;
    if (value === LIVE) this.selection.live();
    else void this.selection.choose(Number(value), this.currentRun);
  }
}

function optionText(r: StateMessage['recent'][number]): string {
  return `series ${r.series} (run ${r.run}) · ${r.state} · ${count(r.frames)} frames · ${clock(r.startedAt)}`;
}
