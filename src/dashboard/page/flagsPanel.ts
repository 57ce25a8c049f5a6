// The red flags: what is wrong with the sample or the pipeline, each with its reason and since
// when. They sit at the top in red so nobody can miss one; "no red flags" is said outright, so an
// empty panel is never mistaken for a broken one.
import type { SeriesFlag, SeriesFlagName, SeriesView } from '../dashboardMessages.js';
import { field, make, setClass, setHidden, setText } from './dom.js';
import { clock, imageNo } from './format.js';
import type { SeriesPanel } from './seriesPanel.js';

const TITLES: Record<SeriesFlagName, string> = {
  'ice-rings': 'Ice rings',
  'multiple-lattices': 'Multiple lattices',
  saturation: 'Saturation',
  'hit-rate-collapsed': 'Hit rate collapsed',
  'diffraction-fading': 'Diffraction fading',
  'frames-lost': 'Frames lost',
  'good-path-behind': 'Good path behind',
};

interface Card {
  root: HTMLLIElement;
  reason: HTMLElement;
  since: HTMLElement;
}

export class FlagsPanel implements SeriesPanel {
  private readonly panel = field('flags-panel');
  private readonly list = field('flags-list');
  private readonly none = field('flags-none');
  private readonly chip = field('flags-count');
  private readonly cards = new Map<string, Card>();
  private order = '';

  apply(series: SeriesView | null): void {
    const flags = series?.flags ?? [];
    setClass(this.panel, 'alarm', flags.length > 0);
    setHidden(this.none, flags.length > 0);
    setText(this.none, series ? 'no red flags' : 'no series yet');
    setHidden(this.chip, flags.length === 0);
    setText(this.chip, `${flags.length} red flag${flags.length === 1 ? '' : 's'}`);
    const order = flags.map((f) => f.flag).join(' ');
    if (order !== this.order) this.arrange(flags.map((f) => f.flag));
    for (const flag of flags) this.fill(this.cards.get(flag.flag)!, flag);
  }

  /** Cards are made once per flag and moved, never rebuilt: only a change in which flags are up
   * touches the list. */
  private arrange(names: string[]): void {
    this.order = names.join(' ');
    for (const [name, card] of this.cards) if (!names.includes(name)) card.root.remove();
    for (const name of names) this.list.append(this.card(name).root);
  }

  private card(name: string): Card {
    let card = this.cards.get(name);
    if (card) return card;
    const root = make('li', 'flag');
    const title = make('span', 'flag-title');
    title.textContent = TITLES[name as SeriesFlagName] ?? name;
    const reason = make('span', 'flag-reason', `flag-${name}`);
    const since = make('span', 'flag-since', `flag-${name}-since`);
    root.append(title, reason, since);
    card = { root, reason, since };
    this.cards.set(name, card);
    return card;
  }

  private fill(card: Card, flag: SeriesFlag): void {
    setText(card.reason, flag.reason);
    setText(card.since, sinceText(flag));
  }
}

export function sinceText(flag: Pick<SeriesFlag, 'since' | 'sinceImage'>): string {
  const image = flag.sinceImage == null ? '' : ` (image ${imageNo(flag.sinceImage)})`;
  return `since ${clock(flag.since)}${image}`;
}
