import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import type { TimeRange } from '../../src/lib/time-ranges.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Database } from '../../src/db/database.js';
import { createJobRunner, type JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/lib/logger.js';
import { createRateLimiter, type RateLimiter } from '../../src/lib/rate-limiter.js';
import { createTokenCipher } from '../../src/lib/token-cipher.js';
import { upsertUser } from '../../src/repositories/users.js';
import type { CaptureDeps } from '../../src/services/capture.js';
import type { RetryPolicy } from '../../src/services/capture-runs.js';
import { saveTokenResponse, spotifyForUser } from '../../src/services/spotify-user.js';
import type { TestDatabase } from './databases.js';
import { fakeSpotifyClient } from './spotify-client.js';

/** Snapshot rows of one user, date and range, in rank order. */
export async function snapshotRows(db: Kysely<DB>, userId: number, date: string, timeRange: TimeRange) {
  return db
    .selectFrom('snapshots')
    .select(['track_id', 'rank'])
    .where('user_id', '=', userId)
    .where('snapshot_date', '=', date)
    .where('time_range', '=', timeRange)
    .orderBy('rank')
    .execute();
}

/** The fake's /me/top/tracks calls, as "user range" strings in order. */
export function topTrackCalls(fake: FakeSpotify, user?: string): string[] {
  return fake.requests
    .filter((r) => r.path === '/v1/me/top/tracks' && (user === undefined || r.user === user))
    .map((r) => `${r.user} ${r.query.time_range}`);
}

/** One app instance's job side: its own pool (given), Spotify client, rate limiter and pg-boss. */
export interface JobInstance {
  runner: JobRunner;
  limiter: RateLimiter;
  stop(): Promise<void>;
}

export const TEST_CIPHER = createTokenCipher('test-secret-for-token-encryption-0123456789');

export async function startJobInstance(
  database: TestDatabase | Database,
  fake: FakeSpotify,
  clock: Clock,
  options: { concurrency?: number; perSecond?: number; retryPolicy?: RetryPolicy; ownsDatabase?: boolean; cron?: string } = {},
): Promise<JobInstance> {
  const limiter = createRateLimiter({ perSecond: options.perSecond ?? 1000, burst: 10 });
  const client = fakeSpotifyClient(fake, { clock, limiter, maxInProcessWaitSeconds: 2 });
  const capture: CaptureDeps = {
    db: database.db,
    clock,
    spotifyFor: async (userId) => spotifyForUser({ db: database.db, client, cipher: TEST_CIPHER, clock }, userId),
  };
  const runner = createJobRunner({
    database,
    postgresUrl: database.kind === 'postgres' ? database.location : undefined,
    clock,
    logger: createLogger('silent'),
    capture,
    concurrency: options.concurrency ?? 4,
    retryPolicy: options.retryPolicy,
    pollingIntervalSeconds: 0.5,
    cron: options.cron,
  });
  await runner.start();
  return {
    runner,
    limiter,
    async stop() {
      await runner.stop();
      if (options.ownsDatabase) await database.close();
    },
  };
}

/** A user who logged in: stored, with encrypted tokens from the fake Spotify. */
export async function connectUser(db: Kysely<DB>, fake: FakeSpotify, clock: Clock, spotifyId: string) {
  const user = await upsertUser(db, { spotifyId, displayName: `Listener ${spotifyId}` });
  await saveTokenResponse({ db, cipher: TEST_CIPHER, clock }, user.id, fake.issueTokens(spotifyId));
  return user;
}

/** Polls until `check` returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
