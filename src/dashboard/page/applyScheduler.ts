// States can come faster than the screen repaints (and a backgrounded tab gets no frames at all):
// however many arrive between two animation frames, the page applies only the newest, once, just
// before the paint. Each apply is timed, drawing included, so a slow panel shows up in the numbers.

export const KEPT_DURATIONS = 200;

export class ApplyScheduler {
  /** The last KEPT_DURATIONS apply times (ms), oldest first. */
  readonly durations: number[] = [];
  private queued = false;

  constructor(private readonly apply: () => void) {}

  request(): void {
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => this.run());
  }

  private run(): void {
    this.queued = false;
    const start = performance.now();
    try {
      this.apply();
    } finally {
      this.durations.push(performance.now() - start);
      if (this.durations.length > KEPT_DURATIONS) this.durations.shift();
    }
  }
}
