import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/lib/rate-limiter.js';

/** A clock that only moves when the limiter sleeps, so the schedule is exact. */
function virtualTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    elapsed: () => now,
  };
}

describe('token-bucket rate limiter', () => {
  it('lets a burst through, then spaces requests at the configured rate, first come first served', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter({ perSecond: 10, burst: 3, now: time.now, sleep: time.sleep });
    const order: number[] = [];
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        limiter.acquire().then(() => {
          order.push(i);
          grants.push(time.elapsed());
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // 3 at once (the burst), then one every 100 ms.
    expect(grants).toEqual([0, 0, 0, 100, 200, 300, 400, 500]);
    expect(limiter.granted).toBe(8);
  });

  it('refills while idle, never above the burst size', async () => {
    const time = virtualTime();
    const limiter = createRateLimiter({ perSecond: 2, burst: 2, now: time.now, sleep: time.sleep });
    await limiter.acquire();
    await limiter.acquire();
    await time.sleep(10_000); // a long idle period refills 2 tokens, not 20
    time.sleeps.length = 0;
    for (let i = 0; i < 3; i += 1) await limiter.acquire();
    expect(time.sleeps).toEqual([500]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow('perSecond must be greater than 0');
  });
});
