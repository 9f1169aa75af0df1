import { HttpAnswer } from './http.js';

/**
 * Spotify's rate limit: a rolling window per app. A call beyond `requests` in the last
 * `windowSeconds` gets 429 with Retry-After (whole seconds until the oldest call leaves the
 * window). Refused calls do not count. Measured on the fake's clock, so tests can move it.
 */
export interface RateLimit {
  /** Records the call, or throws the 429 answer. */
  take(now: number): void;
}

export function createRateLimit(limit: { requests: number; windowSeconds: number } | undefined): RateLimit {
  const calls: number[] = [];
  return {
    take(now) {
      if (!limit) return;
      const windowMs = limit.windowSeconds * 1000;
      while (calls.length > 0 && calls[0]! <= now - windowMs) calls.shift();
      if (calls.length >= limit.requests) {
        const retryAfter = Math.max(1, Math.ceil((calls[0]! + windowMs - now) / 1000));
        throw new HttpAnswer(429, { error: { status: 429, message: 'API rate limit exceeded' } }, { 'retry-after': String(retryAfter) });
      }
      calls.push(now);
    },
  };
}
