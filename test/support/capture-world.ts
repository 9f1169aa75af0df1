import type { Kysely } from 'kysely';
import type { DB, TimeRange } from '../../src/db/schema.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { createSpotifyClient, type RequestLimiter } from '../../src/spotify/client.js';

/** The real Spotify client pointed at a fake Spotify, with fast retries for tests. */
export function clientFor(fake: FakeSpotify, clock: Clock, options: { limiter?: RequestLimiter; maxInProcessWaitSeconds?: number } = {}) {
  return createSpotifyClient({
    accountsUrl: fake.accountsUrl,
    apiUrl: fake.apiUrl,
    clientId: fake.clientId,
    fetch: globalThis.fetch,
    clock,
    maxInProcessWaitSeconds: options.maxInProcessWaitSeconds ?? 2,
    limiter: options.limiter,
    backoffBaseMs: 1,
  });
}

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
