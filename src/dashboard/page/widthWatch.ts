// A container's width as last laid out, kept up to date by a ResizeObserver: panels read it while
// applying an update without forcing the browser to lay the page out again in the middle of it.
export class WidthWatch {
  width: number;

  constructor(element: HTMLElement, changed: () => void) {
    this.width = element.clientWidth;
    new ResizeObserver((entries) => {
      const width = entries[0]?.contentRect.width ?? 0;
      if (width === this.width) return;
      this.width = width;
      changed();
    }).observe(element);
  }
}
