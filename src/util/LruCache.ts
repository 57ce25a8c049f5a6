// A small least-recently-used cache: what the analysis keeps of its last few geometries
// (tables that take seconds to build on a large detector). A Map keeps insertion order, so
// the first key is the least recently used once each hit is moved to the end.
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();
  private made = 0;

  constructor(private readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error(`an LRU cache holds at least one entry, not ${capacity}`);
  }

  /** Values made because the key was not there. */
  get builds(): number {
    return this.made;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value for `key`, made by `make` (and the oldest entry dropped) when it is not there. */
  getOrMake(key: K, make: () => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const value = make();
    this.made++;
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    return value;
  }
}
