// Which frames of a series have been seen: one bit per frame, grown as needed, so even a
// 16-million-frame series costs 2 MB. The good path uses it to write every frame exactly once.
export class FrameSet {
  private bits = new Uint8Array(1024);
  size = 0;

  /** Adds a frame; false when it was already there. */
  add(frame: number): boolean {
    if (!Number.isInteger(frame) || frame < 0) return false;
    const byte = frame >>> 3;
    if (byte >= this.bits.length) {
      let n = this.bits.length;
      while (n <= byte) n *= 2;
      const grown = new Uint8Array(n);
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (frame & 7);
    if (this.bits[byte]! & mask) return false;
    this.bits[byte]! |= mask;
    this.size++;
    return true;
  }

  has(frame: number): boolean {
    const byte = frame >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (frame & 7))) !== 0;
  }
}
