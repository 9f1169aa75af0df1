import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import type { TimeRange } from '../../src/lib/time-ranges.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Database } from '../../src/db/database.js';
import { loadConfig } from '../../src/config.js';
import { createDeps } from '../../src/deps.js';
import type { JobRunner } from '../../src/jobs/runner.js';
import { createLogger } from '../../src/lib/logger.js';
import { createRateLimiter, type RateLimiter } from '../../src/lib/rate-limiter.js';
import { createTokenCipher } from '../../src/lib/token-cipher.js';
import { upsertUser } from '../../src/repositories/users.js';
import type { RetryPolicy } from '../../src/services/capture-runs.js';
import { saveTokenResponse } from '../../src/services/spotify-user.js';
import type { TestDatabase } from './databases.js';

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

/** One app instance's job side: the app's own composition (createDeps) without the web server. */
export interface JobInstance {
  runner: JobRunner;
  /** The instance's Spotify budget, shared by all its users (the three-instance test reads it). */
  limiter: RateLimiter;
  stop(): Promise<void>;
}

const TEST_SESSION_SECRET = 'test-secret-for-token-encryption-0123456789';
/** The cipher every instance derives from the test session secret: tokens stored by one are read by all. */
export const TEST_CIPHER = createTokenCipher(TEST_SESSION_SECRET);

/**
 * Starts the job side of an app instance the way production wires it (createDeps), with the
 * caller's fake Spotify and clock. On PostgreSQL pg-boss gets a pool of its own, as a deployed
 * instance has. The database stays open on stop unless `ownsDatabase`.
 */
export async function startJobInstance(
  database: TestDatabase | Database,
  fake: FakeSpotify,
  clock: Clock,
  options: { concurrency?: number; perSecond?: number; retryPolicy?: RetryPolicy; ownsDatabase?: boolean; cron?: string } = {},
): Promise<JobInstance> {
  const config = loadConfig({
    NODE_ENV: 'test',
    SESSION_SECRET: TEST_SESSION_SECRET,
    SNAPSHOT_CONCURRENCY: String(options.concurrency ?? 4),
    ...(options.cron ? { SNAPSHOT_CRON: options.cron } : {}),
    SPOTIFY_RATE_LIMIT: String(options.perSecond ?? 1000),
  });
  const limiter = createRateLimiter({ perSecond: options.perSecond ?? 1000, burst: 10 });
  const deps = await createDeps(config, {
    database: options.ownsDatabase ? database : { ...database, close: async () => {} },
    fakeSpotify: fake,
    clock,
    logger: createLogger('silent'),
    spotify: { limiter, maxInProcessWaitSeconds: 2, backoffBaseMs: 1 },
    jobs: {
      pollingIntervalSeconds: 0.5,
      retryPolicy: options.retryPolicy,
      postgresUrl: database.kind === 'postgres' ? database.location : undefined,
    },
  });
  await deps.jobs.start();
  return { runner: deps.jobs, limiter, stop: () => deps.close() };
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
