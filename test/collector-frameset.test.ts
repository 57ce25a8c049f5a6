import { describe, expect, it } from 'vitest';
import { FrameSet } from '../src/stages/collector/FrameSet.js';

describe('FrameSet', () => {
  it('adds each frame exactly once', () => {
    const s = new FrameSet();
    expect(s.add(0)).toBe(true);
    expect(s.add(0)).toBe(false);
    expect(s.add(7)).toBe(true);
    expect(s.add(8)).toBe(true);
    expect(s.add(65_535)).toBe(true);
    expect(s.add(65_536)).toBe(true);
    expect(s.add(65_536)).toBe(false);
    expect(s.size).toBe(5);
    for (const f of [0, 7, 8, 65_535, 65_536]) expect(s.has(f)).toBe(true);
    for (const f of [1, 6, 9, 65_534, 65_537, 1e9]) expect(s.has(f)).toBe(false);
  });

  it('keeps a consecutive series compact: 16 million frames in 256 chunks (2 MB)', () => {
    const s = new FrameSet();
    for (let f = 0; f < 1 << 24; f++) s.add(f);
    expect(s.size).toBe(1 << 24);
    expect(s.chunkCount).toBe(256);
    expect(s.add(12_345_678)).toBe(false);
    expect(s.has(1 << 24)).toBe(false);
  });

  it('takes frame ids up to 2^53-1 at the cost of one chunk each', () => {
    const s = new FrameSet();
    const huge = [2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];
    for (const f of huge) expect(s.add(f)).toBe(true);
    for (const f of huge) expect(s.add(f)).toBe(false);
    for (const f of huge) expect(s.has(f)).toBe(true);
    expect(s.has(Number.MAX_SAFE_INTEGER - 1)).toBe(false);
    expect(s.has(2 ** 40 + 2)).toBe(false);
    expect(s.size).toBe(4);
    expect(s.chunkCount).toBe(4);
  });

  it('does not alias frame ids 2^32 apart', () => {
    const s = new FrameSet();
    expect(s.add(2 ** 32)).toBe(true);
    expect(s.has(0)).toBe(false);
    expect(s.add(0)).toBe(true);
    expect(s.add(5)).toBe(true);
    expect(s.has(2 ** 32 + 5)).toBe(false);
    expect(s.add(2 ** 32 + 5)).toBe(true);
    expect(s.has(2 ** 33)).toBe(false);
    expect(s.size).toBe(4);
  });

  it('refuses what is not a frame id, without storing anything', () => {
    const s = new FrameSet();
    for (const f of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 60, -0.5]) {
      expect(s.add(f)).toBe(false);
      expect(s.has(f)).toBe(false);
    }
    expect(s.size).toBe(0);
    expect(s.chunkCount).toBe(0);
  });

  it('matches a plain Set on a seeded random mix of ids', () => {
    let seed = 42;
    const rand = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    const s = new FrameSet();
    const ref = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const r = rand();
      // Mostly a dense range (duplicates likely), some far away.
      const f =
        r < 0.9 ? Math.floor(rand() * 10_000) : Math.floor(rand() * 2 ** 20) * 2 ** 30 + Math.floor(rand() * 100);
      expect(s.add(f)).toBe(!ref.has(f));
      ref.add(f);
    }
    expect(s.size).toBe(ref.size);
    for (const f of ref) expect(s.has(f)).toBe(true);
    // Chunks: the dense range's one, plus at most one per far-away id.
    expect(s.chunkCount).toBeLessThanOrEqual(1 + [...ref].filter((f) => f >= 65_536).length);
  });
});

describe('never-received images', () => {
  it('counts the announced images that never arrived as lost, listed as ranges', async () => {
    const { SeriesTally } = await import('../src/stages/collector/SeriesTally.js');
    const t = new SeriesTally(1, 1, 12);
    for (const i of [0, 1, 2, 6, 8, 9, 10]) t.receivedFrames.add(i);
    expect(t.countNeverReceived()).toBe(5);
    expect(t.summary()).toMatchObject({
      lost: 5,
      lost_reasons: { 'never-received': 5 },
      never_received_images: '3-5,7,11',
    });
    const unknown = new SeriesTally(2, 2, null);
    expect(unknown.countNeverReceived()).toBe(0);
    expect(unknown.summary().never_received_images).toBe('');
  });
});
