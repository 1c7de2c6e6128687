/**
 * A small per-container cache of reads: each key's read is reused for `ttlMs`, a failed read is not remembered,
 * and past `maxEntries` the oldest entries go. The promise is cached, so concurrent lookups of one key share a read.
 */
export interface TtlCache<V> {
  /** The cached value of `key`, or `load()`'s, remembered for `ttlMs` (not at all when `ttlMs` is 0). */
  get(key: string, load: () => Promise<V>): Promise<V>;
  clear(): void;
}

export function createTtlCache<V>({ ttlMs, maxEntries, now = Date.now }: { ttlMs: number; maxEntries: number; now?: () => number }): TtlCache<V> {
  // Map keeps insertion order: the first key is the oldest entry.
  const cache = new Map<string, { readonly expiresAt: number; readonly value: Promise<V> }>();
  return {
    get(key, load) {
      const at = now();
      const hit = cache.get(key);
      if (hit !== undefined && hit.expiresAt > at) return hit.value;
      cache.delete(key);
      const value = load();
      if (ttlMs > 0) {
        cache.set(key, { expiresAt: at + ttlMs, value });
        value.catch(() => {
          if (cache.get(key)?.value === value) cache.delete(key);
        });
        while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      }
      return value;
    },
    clear: () => cache.clear(),
  };
}
