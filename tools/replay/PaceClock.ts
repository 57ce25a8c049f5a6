// Scaled wall-clock pacing for replay: message i is due at (its recorded offset / speed) after
// the moment the first message went out. A replay that falls behind (a slow receiver, a loaded
// machine) sends at once and catches up; it never sends a message before it is due.
export interface Clock {
  nowNs(): bigint;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  nowNs: () => process.hrtime.bigint(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export class PaceClock {
  private readonly origin: bigint;
  /** Added to the recorded offsets on each further pass of a looping replay. */
  loopOffsetNs = 0n;

  constructor(private readonly clock: Clock = systemClock) {
    this.origin = clock.nowNs();
  }

  /** Waits until the message recorded `recordedOffsetNs` after the first is due at `speedFactor`. */
  async waitFor(recordedOffsetNs: bigint, speedFactor: number): Promise<void> {
    const due = this.origin + BigInt(Math.round(Number(recordedOffsetNs) / speedFactor));
    const waitMs = Number(due - this.clock.nowNs()) / 1e6;
    if (waitMs > 1) await this.clock.sleep(waitMs);
  }
}
