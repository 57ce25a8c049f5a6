// Which worker gets the next task: each worker holds credit (one credit = one task it is ready
// to take) and is asked in turn, round-robin from after the last one chosen, so credit is used
// fairly. Both paths choose this way; what makes a worker able to take a task (its tables are
// ready, a task waits that it has not failed) is theirs to say.
export class CreditRing {
  private readonly credit = new Map<string, number>();
  private order: string[] = [];
  private cursor = 0;

  get size(): number {
    return this.order.length;
  }

  has(id: string): boolean {
    return this.credit.has(id);
  }

  ids(): IterableIterator<string> {
    return this.credit.keys();
  }

  add(id: string): void {
    if (this.credit.has(id)) return;
    this.credit.set(id, 0);
    this.order.push(id);
  }

  remove(id: string): void {
    if (!this.credit.delete(id)) return;
    this.order = this.order.filter((x) => x !== id);
  }

  grant(id: string, n: number): void {
    const c = this.credit.get(id);
    if (c !== undefined) this.credit.set(id, c + n);
  }

  creditOf(id: string): number {
    return this.credit.get(id) ?? 0;
  }

  /**
   * The first worker in turn with credit for which `accepts` is true; its credit is spent and
   * the turn moves past it. `accepts` is asked of workers with credit only, in turn order, and
   * may act (take a task for the worker) when it answers true. Null when none accepts.
   */
  choose(accepts: (id: string) => boolean): string | null {
    const n = this.order.length;
    for (let i = 0; i < n; i++) {
      const slot = (this.cursor + i) % n;
      const id = this.order[slot]!;
      if (this.credit.get(id)! <= 0 || !accepts(id)) continue;
      this.credit.set(id, this.credit.get(id)! - 1);
      this.cursor = (slot + 1) % n;
      return id;
    }
    return null;
  }
}
