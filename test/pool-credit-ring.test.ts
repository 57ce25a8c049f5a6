// Credit and round-robin choice, shared by both paths.
import { describe, expect, it } from 'vitest';
import { CreditRing } from '../src/stages/pool/CreditRing.js';

describe('CreditRing', () => {
  it('takes turns among workers with credit, spending one credit per choice', () => {
    const ring = new CreditRing();
    for (const id of ['a', 'b', 'c']) ring.add(id);
    ring.grant('a', 2);
    ring.grant('c', 1);
    const chosen = [ring.choose(() => true), ring.choose(() => true), ring.choose(() => true), ring.choose(() => true)];
    expect(chosen).toEqual(['a', 'c', 'a', null]);
    expect(ring.creditOf('a')).toBe(0);
  });

  it('skips workers that do not accept, and those removed', () => {
    const ring = new CreditRing();
    for (const id of ['a', 'b']) {
      ring.add(id);
      ring.grant(id, 5);
    }
    const asked: string[] = [];
    expect(ring.choose((id) => (asked.push(id), id === 'b'))).toBe('b');
    expect(asked).toEqual(['a', 'b']);
    expect(ring.creditOf('a')).toBe(5);
    ring.remove('b');
    expect(ring.choose((id) => id === 'b')).toBeNull();
    expect(ring.size).toBe(1);
  });
});
