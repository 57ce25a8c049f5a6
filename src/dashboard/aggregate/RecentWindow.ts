// The last N values of something, oldest overwritten: the windows the red-flag rules look at.
export class RecentWindow<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly size: number) {}

  push(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  get length(): number {
    return this.items.length;
  }

  get full(): boolean {
    return this.items.length === this.size;
  }

  count(test: (item: T) => boolean): number {
    let n = 0;
    for (const item of this.items) if (test(item)) n++;
    return n;
  }

  values(): readonly T[] {
    return this.items;
  }
}
