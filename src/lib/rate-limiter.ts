/**
 * A token bucket shared by every request this process sends to Spotify: on average at most
 * `perSecond` requests per second, with bursts of up to `burst`. Waiters are served in arrival
 * order, so one busy user cannot starve the others.
 *
 * (The npm options are either unmaintained or bring their own timers and Redis adapters; this is
 * the whole algorithm.) Time and sleeping are passed in so tests can drive it.
 */
export interface RateLimiter {
  acquire(): Promise<void>;
  /** Requests granted so far. */
  readonly granted: number;
}

export interface RateLimiterOptions {
  perSecond: number;
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.perSecond > 0)) throw new RangeError('perSecond must be greater than 0');
  const capacity = Math.max(1, options.burst ?? 1);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const intervalMs = 1000 / options.perSecond;

  let tokens = capacity;
  let refilledAt = now();
  let granted = 0;
  // A chain of promises: each acquire waits for the previous one, which keeps FIFO order.
  let tail: Promise<void> = Promise.resolve();

  function refill() {
    const at = now();
    tokens = Math.min(capacity, tokens + (at - refilledAt) / intervalMs);
    refilledAt = at;
  }

  async function take() {
    refill();
    while (tokens < 1) {
      await sleep(Math.ceil((1 - tokens) * intervalMs));
      refill();
    }
    tokens -= 1;
    granted += 1;
  }

  return {
    acquire() {
      const turn = tail.then(take);
      tail = turn.catch(() => undefined);
      return turn;
    },
    get granted() {
      return granted;
    },
  };
}

/**
 * One token bucket per key (a user), each under the shared one: one user's loop spends their own
 * bucket and then waits, so the shared budget stays available to everyone else. Buckets unused
 * for `forgetAfterMs` are dropped (a refilled bucket holds no state worth keeping).
 */
export interface KeyedRateLimiter {
  forKey(key: string | number): RateLimiter;
  /** Buckets currently kept. */
  readonly size: number;
}

export function createKeyedRateLimiter(options: RateLimiterOptions & { forgetAfterMs?: number }): KeyedRateLimiter {
  const now = options.now ?? (() => performance.now());
  const forgetAfterMs = options.forgetAfterMs ?? 10 * 60_000;
  const buckets = new Map<string | number, { limiter: RateLimiter; usedAt: number }>();
  let sweptAt = now();
  const sweep = (at: number) => {
    if (at - sweptAt < forgetAfterMs) return;
    sweptAt = at;
    for (const [key, bucket] of buckets) if (at - bucket.usedAt >= forgetAfterMs) buckets.delete(key);
  };
  return {
    forKey(key) {
      const at = now();
      sweep(at);
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = { limiter: createRateLimiter({ ...options, now }), usedAt: at };
        buckets.set(key, bucket);
      }
      const entry = bucket;
      return {
        acquire() {
          entry.usedAt = now();
          return entry.limiter.acquire();
        },
        get granted() {
          return entry.limiter.granted;
        },
      };
    },
    get size() {
      return buckets.size;
    },
  };
}
