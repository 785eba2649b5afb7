/**
 * A small keyed cache for API clients: FC hands each invocation STS credentials that rotate, so clients are kept
 * per credential set (and endpoint), and the cache is cleared past a handful of entries.
 */
export function keyedCache<O, C>(key: (opts: O) => string, create: (opts: O) => C, max = 8): (opts: O) => C {
  const cache = new Map<string, C>();
  return (opts) => {
    const k = key(opts);
    let c = cache.get(k);
    if (!c) {
      if (cache.size >= max) cache.clear();
      c = create(opts);
      cache.set(k, c);
    }
    return c;
  };
}
