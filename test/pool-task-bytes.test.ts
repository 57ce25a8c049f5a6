// A task must not keep alive a message far larger than its frame: the memory budget counts the
// frame's bytes, so a frame in a message with megabytes of user data is copied out of it.
import { describe, expect, it } from 'vitest';
import { ownBytes, taskBytes } from '../src/stages/pool/Task.js';

describe('task bytes', () => {
  it('copies a frame out of a message much larger than it', () => {
    const message = new Uint8Array(50 * 1024 * 1024);
    const frame = message.subarray(1000, 1000 + 300_000);
    frame.fill(7);
    const own = ownBytes(frame);
    expect(own).not.toBe(frame);
    expect(own.buffer.byteLength).toBe(300_000);
    expect(own.every((v) => v === 7)).toBe(true);
    expect(taskBytes({ header: {} as never, data: own })).toBe(300_000 + 256);
  });

  it('keeps a frame that is (nearly) its whole message, or sits in a small pooled buffer, uncopied', () => {
    const message = new Uint8Array(1_300_000);
    const frame = message.subarray(200, 1_300_000 - 100);
    expect(ownBytes(frame)).toBe(frame);
    const pooled = Buffer.from('small frame'); // a slice of Node's 8 kB pool
    expect(ownBytes(pooled)).toBe(pooled);
  });
});
