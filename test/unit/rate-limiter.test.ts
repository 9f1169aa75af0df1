import { describe, expect, it } from 'vitest';
import { createKeyedRateLimiter, createRateLimiter } from '../../src/lib/rate-limiter.js';

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

describe('per-user buckets under the shared one', () => {
  it("serves another user at once while one user's loop waits on their own bucket", async () => {
    let now = 0;
    const parked: Array<() => void> = [];
    // Sleeping parks the caller until the test moves time on: nothing advances by itself.
    const sleep = () => new Promise<void>((resolve) => parked.push(resolve));
    const shared = createRateLimiter({ perSecond: 10, burst: 10, now: () => now, sleep });
    const users = createKeyedRateLimiter({ perSecond: 5, burst: 5, now: () => now, sleep });
    const call = async (user: string) => {
      await users.forKey(user).acquire();
      await shared.acquire();
    };

    const looping = Array.from({ length: 8 }, () => call('loop'));
    let otherDone = false;
    const other = call('other').then(() => (otherDone = true));
    await other;
    expect(otherDone).toBe(true);
    await new Promise((resolve) => setImmediate(resolve)); // let the granted calls settle
    // The looping user got their burst of 5 through the shared bucket; the rest wait on their own.
    expect(shared.granted).toBe(6);
    expect(users.forKey('loop').granted).toBe(5);
    expect(parked.length).toBe(1);

    now = 1000;
    while (parked.length) parked.shift()!();
    await Promise.all(looping);
    expect(shared.granted).toBe(9);
    expect(users.size).toBe(2);
  });

  it('forgets buckets unused for a while', async () => {
    let now = 0;
    const users = createKeyedRateLimiter({ perSecond: 1, burst: 1, now: () => now, forgetAfterMs: 1000 });
    await users.forKey(1).acquire();
    await users.forKey(2).acquire();
    expect(users.size).toBe(2);
    now = 5000;
    await users.forKey(3).acquire();
    expect(users.size).toBe(1);
  });
});
