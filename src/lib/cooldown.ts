/**
 * "At most once per `ms` per key", in this process: e.g. one on-demand capture per user every few
 * minutes. A refused attempt does not restart the wait. Entries older than `ms` are dropped as
 * new ones come, so memory stays at the keys active within one period.
 */
export interface Cooldown {
  /** Starts the period for `key` and returns 0, or returns the ms left before `key` may go again. */
  take(key: string | number, now: number): number;
}

export function createCooldown(ms: number): Cooldown {
  const startedAt = new Map<string | number, number>();
  return {
    take(key, now) {
      for (const [k, at] of startedAt) {
        if (now - at < ms) break; // insertion order = time order: the rest are younger
        startedAt.delete(k);
      }
      const last = startedAt.get(key);
      if (last !== undefined && now - last < ms) return ms - (now - last);
      startedAt.delete(key);
      startedAt.set(key, now);
      return 0;
    },
  };
}
