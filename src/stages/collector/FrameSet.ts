// Which frames of a series have been seen: one bit per frame, in chunks of 65,536 frames
// (8 KB) created on first use and kept in a map, so memory follows the frames actually seen
// (a 16-million-frame series costs 2 MB) and a stray frame id, however large, costs one
// chunk. Frame ids are integers 0 .. 2^53-1; anything else is refused. The good path uses it
// to write every frame exactly once.
const CHUNK_FRAMES = 65_536;
const CHUNK_BYTES = CHUNK_FRAMES / 8;

export class FrameSet {
  private readonly chunks = new Map<number, Uint8Array>();
  size = 0;

  /** Adds a frame; false when it was already there or is not a valid frame id. */
  add(frame: number): boolean {
    if (!isFrameId(frame)) return false;
    const key = Math.floor(frame / CHUNK_FRAMES);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      chunk = new Uint8Array(CHUNK_BYTES);
      this.chunks.set(key, chunk);
    }
    const bit = frame - key * CHUNK_FRAMES;
    const mask = 1 << (bit & 7);
    if (chunk[bit >>> 3]! & mask) return false;
    chunk[bit >>> 3]! |= mask;
    this.size++;
    return true;
  }

  has(frame: number): boolean {
    if (!isFrameId(frame)) return false;
    const key = Math.floor(frame / CHUNK_FRAMES);
    const chunk = this.chunks.get(key);
    if (chunk === undefined) return false;
    const bit = frame - key * CHUNK_FRAMES;
    return (chunk[bit >>> 3]! & (1 << (bit & 7))) !== 0;
  }

  /** Chunks allocated (8 KB each): how much memory the set holds. */
  get chunkCount(): number {
    return this.chunks.size;
  }
}

function isFrameId(frame: number): boolean {
  return Number.isSafeInteger(frame) && frame >= 0;
}
