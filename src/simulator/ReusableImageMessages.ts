// V2 image messages kept per pooled blob and rewritten in place: a V2 image is one single-part
// message holding the multi-MB blob, so building each one afresh costs an allocation and a copy
// of the blob per frame (the V2 simulator sent at a fraction of V1's rate). Here each blob gets
// message buffers holding it once, and a frame only rewrites the few dozen bytes before the blob
// (Stream2ImageHead.ts); nothing is allocated per frame once every buffer exists.
//
// zeromq.js sends a Buffer of more than 128 bytes without copying it: libzmq reads it until the
// message has been written to the kernel, after `send` has resolved. So a buffer is rewritten only
// when libzmq cannot still hold it. With one peer, messages go through one FIFO pipe of at most
// the send high-water mark HWM and one more in the engine writing, and libzmq releases a message
// before it takes the next from the pipe: once HWM + 1 later messages have been accepted, the
// buffer is free. `reuseLag` is that count (plus margin). A message queued for a peer that has
// disconnected is dropped, never read again. With several peers a stalled one may hold messages
// indefinitely, so while more than one is connected nothing is reused (callers then build a fresh
// message), and after that only buffers sent before the last one left wait `reuseLag` messages.
import type { Stream2ImageHead } from './Stream2ImageHead.js';

interface Slot {
  buffer: Buffer;
  /** Where the blob starts: the head is written to end here. */
  blobAt: number;
  /** Message sequence number of the last send (-Infinity: never sent). */
  lastSent: number;
  /** The tail written after the blob (a series with another image appendix rebuilds the slot). */
  tail: Buffer;
  /** Views from a head start to the end, one per head length seen (a few per series). */
  views: Map<number, Buffer>;
}

export class ReusableImageMessages {
  private readonly reuseLag: number;
  private readonly slots = new WeakMap<Uint8Array, Slot[]>();
  /** Image messages sent so far (pooled or not). */
  private sequence = 0;
  /** Sequence number from which a single peer has been connected again (buffers sent before it
   * wait `reuseLag` messages from there); -Infinity while there never were several. */
  private singlePeerSince = -Infinity;
  private multiplePeers = false;

  constructor(reuseLag: number) {
    this.reuseLag = reuseLag;
  }

  /** Peers currently connected to the socket (from its accept/disconnect events). */
  set peers(count: number) {
    if (count > 1) {
      this.multiplePeers = true;
    } else if (this.multiplePeers) {
      this.multiplePeers = false;
      this.singlePeerSince = this.sequence;
    }
  }

  /**
   * The message for frame `frame` carrying `blob`, rewritten in one of the blob's buffers, to be
   * sent now; null when no buffer may be rewritten yet (the caller sends a fresh message). Each
   * call counts as one message sent.
   */
  message(blob: Uint8Array, head: Stream2ImageHead, frame: number): Buffer | null {
    const now = this.sequence++;
    if (this.multiplePeers) return null;
    let ring = this.slots.get(blob);
    if (!ring) {
      ring = [];
      this.slots.set(blob, ring);
    }
    let slot: Slot | undefined;
    for (const s of ring) if (!slot || s.lastSent < slot.lastSent) slot = s;
    // Sent while several peers were connected, and the one left may not have released it yet: a
    // fresh message rather than another buffer, so that rings do not grow for a passing event.
    if (slot && slot.lastSent < this.singlePeerSince && now - this.singlePeerSince < this.reuseLag) return null;
    if (!slot || now - slot.lastSent < this.reuseLag) {
      slot = makeSlot(blob, head);
      ring.push(slot);
    } else if (slot.blobAt < head.maxSize(blob.length) || !slot.tail.equals(head.tail)) {
      Object.assign(slot, makeSlot(blob, head));
    }
    const begin = head.writeEndingAt(slot.buffer, slot.blobAt, frame, blob.length);
    let view = slot.views.get(begin);
    if (!view) {
      view = slot.buffer.subarray(begin);
      slot.views.set(begin, view);
    }
    slot.lastSent = now;
    return view;
  }
}

function makeSlot(blob: Uint8Array, head: Stream2ImageHead): Slot {
  const blobAt = head.maxSize(blob.length);
  const buffer = Buffer.allocUnsafe(blobAt + blob.length + head.tail.length);
  buffer.set(blob, blobAt);
  head.tail.copy(buffer, blobAt + blob.length);
  return { buffer, blobAt, lastSent: -Infinity, tail: head.tail, views: new Map() };
}
