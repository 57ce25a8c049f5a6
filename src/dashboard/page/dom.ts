// The page's static skeleton is index.html; modules find their elements by data-field, the same
// names the tests read values back by, so a renamed field breaks loudly in both places.

/** The element with data-field=name under root. A missing one is a mistake in index.html, so
 * it throws at start-up rather than leaving a panel silently blank. */
export function field<T extends HTMLElement = HTMLElement>(name: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(`[data-field="${name}"]`);
  if (!el) throw new Error(`dashboard: no element with data-field="${name}"`);
  return el;
}

/** Writes only on change: an unchanged text costs no style recalculation or layout. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setHidden(el: HTMLElement, hidden: boolean): void {
  if (el.hidden !== hidden) el.hidden = hidden;
}

export function setClass(el: Element, name: string, on: boolean): void {
  if (el.classList.contains(name) !== on) el.classList.toggle(name, on);
}

/** A new element with a class and, optionally, a data-field. */
export function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  dataField?: string,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  if (dataField) el.dataset['field'] = dataField;
  return el;
}
