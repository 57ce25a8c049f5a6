// The latest-hit picture a worker makes: max-binned so a one-pixel spot survives, masked
// squares marked as gaps, counts clipped below the gap value, bounded in size for any detector.
import { describe, expect, it } from 'vitest';
import { makeFramePreview, previewBin, PREVIEW_MASKED, PREVIEW_MAX_SIDE } from '../src/stages/analysis/FramePreview.js';
import { PreviewRequests } from '../src/dashboard/PreviewRequests.js';

const u16 = (p: Uint8Array) => new Uint16Array(p.buffer, p.byteOffset, p.byteLength / 2);

describe('makeFramePreview', () => {
  it('keeps each square highest valid count, marks all-masked squares, clips below the mark', () => {
    const width = 1000;
    const height = 810; // bin 3: 334 x 270, the last column and row squares partial
    const pixels = new Uint32Array(width * height).fill(2);
    const valid = new Uint8Array(width * height).fill(1);
    pixels[500 * width + 700] = 1234; // one bright pixel: square (233, 166)
    pixels[0] = 4_000_000_000; // above the limit: invalid on this frame
    for (let y = 3; y < 6; y++) for (let x = 3; x < 6; x++) valid[y * width + x] = 0; // square (1, 1) masked
    pixels[809 * width + 999] = 100_000; // clipped
    const p = makeFramePreview(pixels, width, height, valid, 1_000_000);
    expect(p.bin).toBe(3);
    expect([p.width, p.height]).toEqual([334, 270]);
    const v = u16(p.pixels);
    expect(v[166 * p.width + 233]).toBe(1234);
    expect(v[0]).toBe(2);
    expect(v[1 * p.width + 1]).toBe(PREVIEW_MASKED);
    expect(v[269 * p.width + 333]).toBe(PREVIEW_MASKED - 1);
    expect(v.filter((x) => x === 2).length).toBe(p.width * p.height - 3);
  });

  it('stays within the maximum side for the largest detectors', () => {
    for (const [w, h] of [
      [4148, 4362],
      [3108, 3262],
      [1028, 1062],
      [100, 50],
    ] as const) {
      const bin = previewBin(w, h);
      expect(Math.ceil(Math.max(w, h) / bin)).toBeLessThanOrEqual(PREVIEW_MAX_SIDE);
      expect(Math.ceil(Math.max(w, h) / Math.max(1, bin - 1))).toBeGreaterThan(bin > 1 ? PREVIEW_MAX_SIDE : 0);
    }
  });
});

describe('PreviewRequests', () => {
  it('asks twice a second while watched, every five seconds otherwise', () => {
    let now = 0;
    let watchers = 1;
    const r = new PreviewRequests(
      () => watchers,
      () => now,
    );
    expect(r.wanted()).toBe(true);
    r.received();
    now = 400;
    expect(r.wanted()).toBe(false);
    now = 500;
    expect(r.wanted()).toBe(true);
    r.received();
    watchers = 0;
    now = 4000;
    expect(r.wanted()).toBe(false);
    now = 5500;
    expect(r.wanted()).toBe(true);
  });
});
