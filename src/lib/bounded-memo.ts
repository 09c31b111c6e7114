// A get-or-compute memory of at most `max` entries for values that never change for their key (a hash, a parse):
// when full it starts over instead of tracking recency, since the working set refills in one miss per key.
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    private readonly max: number,
    private readonly compute: (key: K) => V,
  ) {}

  /** The remembered value, or a new one computed now (a compute that throws leaves nothing remembered). */
  get(key: K): V {
    let value = this.entries.get(key);
    if (value === undefined && !this.entries.has(key)) {
      value = this.compute(key);
      if (this.entries.size >= this.max) this.entries.clear();
      this.entries.set(key, value);
    }
    return value as V;
  }
}
