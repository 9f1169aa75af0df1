import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { findCaptureStatus, listCaptureStatus } from '../../src/repositories/capture-status.js';
import { getUser, recordLogin, upsertUser } from '../../src/repositories/users.js';
import { saveTokenResponse } from '../../src/services/spotify-user.js';
import { connectUser, startJobInstance, TEST_CIPHER, topTrackCalls, waitFor, type JobInstance } from '../support/capture-world.js';
import { describeEachEngine } from '../support/databases.js';
import { settableClock } from '../support/clock.js';

const clock = settableClock('2026-07-01T04:00:00Z');

describeEachEngine('scheduled captures through pg-boss', ({ database }) => {
  let fake: FakeSpotify;
  let instance: JobInstance;
  const db = () => database().db;

  beforeAll(async () => {
    fake = await startFakeSpotify({ clock, users: [] });
    instance = await startJobInstance(database(), fake, clock, {
      concurrency: 3,
      retryPolicy: { maxAttempts: 3, baseDelaySeconds: 600, maxDelaySeconds: 3600 },
    });
  });
  afterAll(async () => {
    await instance?.stop();
    await fake?.stop();
  });
  beforeEach(() => {
    fake.faults.clear();
    fake.clearRequests();
  });

  /** Jobs waiting in the capture queue for one user: when each may start, as seconds from now. */
  async function waitingJobs(userId: number) {
    const result = await sql<{ key: string; delay: number; data: { failures: number } }>`
      select singleton_key as key, extract(epoch from start_after - now())::float8 as delay, data
      from pgboss.job where name = 'snapshot-capture' and state = 'created' and data->>'userId' = ${String(userId)}`.execute(db());
    return result.rows;
  }

  async function captured(userIds: number[], date: string) {
    const rows = await db()
      .selectFrom('capture_status')
      .select('user_id')
      .where('user_id', 'in', userIds)
      .where('last_success_date', '=', date)
      .execute();
    return rows.length === userIds.length;
  }

  it('a 429 with Retry-After 7200 re-schedules that user 2 h later; the others are captured on time', { timeout: 60_000 }, async () => {
    clock.set('2026-07-01T04:00:00Z');
    const users = [];
    for (let i = 1; i <= 5; i += 1) {
      const spotifyId = `rl${i}-${database().engine}`;
      fake.addUser({ id: spotifyId, display_name: `User ${i}` });
      users.push({ spotifyId, user: await connectUser(db(), fake, clock, spotifyId) });
    }
    const [limited, ...others] = users;
    fake.faults.add({ path: '/v1/me/top/tracks', user: limited!.spotifyId, status: 429, retryAfter: 7200 });

    const run = await instance.runner.runScheduledCaptures();
    expect(run.date).toBe('2026-07-01');
    expect(run.userIds).toEqual(expect.arrayContaining(users.map((u) => u.user.id)));

    // The handler records the deferral, then sends the follow-up job: wait for both.
    await waitFor('the other four captured and the limited one deferred', async () =>
      (await captured(others.map((o) => o.user.id), '2026-07-01')) &&
      (await findCaptureStatus(db(), limited!.user.id))?.state === 'deferred' &&
      (await waitingJobs(limited!.user.id)).length > 0,
    );
    for (const other of others) expect(topTrackCalls(fake, other.spotifyId)).toHaveLength(3);
    // One call, answered 429; no hammering while the wait runs.
    expect(topTrackCalls(fake, limited!.spotifyId)).toEqual([`${limited!.spotifyId} short_term`]);

    expect(await findCaptureStatus(db(), limited!.user.id)).toMatchObject({
      state: 'deferred',
      next_run_at: new Date('2026-07-01T06:00:00Z'),
      last_error_code: 'spotify_rate_limited',
      attempts: 0,
      last_success_date: null,
    });
    const waiting = await waitingJobs(limited!.user.id);
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.key).toBe(`capture:${limited!.user.id}:2026-07-01`);
    expect(waiting[0]!.delay).toBeGreaterThanOrEqual(7200 - 60);
    expect(waiting[0]!.delay).toBeLessThanOrEqual(7200 + 1);
    expect(waiting[0]!.data.failures).toBe(0);
    const snapshots = await db().selectFrom('snapshots').select('user_id').where('user_id', '=', limited!.user.id).execute();
    expect(snapshots).toEqual([]);
  });

  it('a refresh token past its six months: one refused refresh, needs_reauth, no retry job, a lapse', { timeout: 60_000 }, async () => {
    clock.set('2026-07-02T04:00:00Z');
    const spotifyId = `expired-${database().engine}`;
    fake.addUser({ id: spotifyId, display_name: 'Expired' });
    const user = await upsertUser(db(), { spotifyId });
    // Authorized 2026-01-01: the refresh token died on 2026-07-01; the stored access token has expired too.
    await saveTokenResponse({ db: db(), cipher: TEST_CIPHER, clock }, user.id, { ...fake.issueTokens(spotifyId, { authorizedAt: new Date('2026-01-01T00:00:00Z') }), expires_in: 1 });
    clock.set('2026-07-02T04:10:00Z');

    const run = await instance.runner.runScheduledCaptures();
    expect(run.userIds).toContain(user.id);
    await waitFor('needs_reauth', async () => (await findCaptureStatus(db(), user.id))?.state === 'needs_reauth');
    expect(await waitingJobs(user.id)).toEqual([]);
    const calls = fake.requests.filter((r) => r.user === spotifyId).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual(['POST /api/token 400']);
    const lapses = await db().selectFrom('spotify_access_lapses').select(['cause', 'restored_at']).where('user_id', '=', user.id).execute();
    expect(lapses).toEqual([{ cause: 'expired', restored_at: null }]);
  });

  it('a revoked token marks the user needs_reauth: no retry, and the next day skips them', { timeout: 60_000 }, async () => {
    clock.set('2026-07-02T04:00:00Z');
    const spotifyId = `revoked-${database().engine}`;
    fake.addUser({ id: spotifyId, display_name: 'Revoked' });
    const user = await connectUser(db(), fake, clock, spotifyId);
    fake.revokeTokens(spotifyId);

    const run = await instance.runner.runScheduledCaptures();
    expect(run.userIds).toContain(user.id);
    await waitFor('needs_reauth', async () => (await findCaptureStatus(db(), user.id))?.state === 'needs_reauth');

    expect((await getUser(db(), user.id)).needs_reauth).toBe(true);
    expect(await findCaptureStatus(db(), user.id)).toMatchObject({ state: 'needs_reauth', last_error_code: 'spotify_reauth_required', next_run_at: null });
    expect(await waitingJobs(user.id)).toEqual([]);

    clock.set('2026-07-03T04:00:00Z');
    const nextDay = await instance.runner.runScheduledCaptures();
    expect(nextDay.userIds).not.toContain(user.id);
    // Only the first day's call, refused with 401 (then the refresh was refused too).
    expect(topTrackCalls(fake, spotifyId)).toEqual([`${spotifyId} short_term`]);
    fake.clearRequests();

    // They log in again: the flag clears and the following day's schedule captures them.
    await recordLogin(db(), user.id, clock.now());
    await saveTokenResponse({ db: db(), cipher: TEST_CIPHER, clock }, user.id, fake.issueTokens(spotifyId));
    const [listed] = await listCaptureStatus(db(), { userId: user.id });
    expect(listed).toMatchObject({ state: 'idle', needs_reauth: false, has_token: true });
    clock.set('2026-07-04T04:00:00Z');
    const afterLogin = await instance.runner.runScheduledCaptures();
    expect(afterLogin.userIds).toContain(user.id);
    await waitFor('the capture after the new login', async () => (await findCaptureStatus(db(), user.id))?.last_success_date === '2026-07-04');
    expect(topTrackCalls(fake, spotifyId)).toHaveLength(3);
  });

  it('other failures retry with backoff; the retry captures once Spotify is back', { timeout: 60_000 }, async () => {
    clock.set('2026-07-05T04:00:00Z');
    const spotifyId = `flaky-${database().engine}`;
    fake.addUser({ id: spotifyId, display_name: 'Flaky' });
    const user = await connectUser(db(), fake, clock, spotifyId);
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, status: 503 });

    await instance.runner.runScheduledCaptures();
    // The handler records the failure, then sends the retry job: wait for both.
    await waitFor('a planned retry', async () =>
      (await findCaptureStatus(db(), user.id))?.state === 'retrying' && (await waitingJobs(user.id)).length > 0,
    );
    expect(await findCaptureStatus(db(), user.id)).toMatchObject({
      state: 'retrying',
      attempts: 1,
      last_error_code: 'spotify_unavailable',
      next_run_at: new Date('2026-07-05T04:10:00Z'),
    });
    const [retry] = await waitingJobs(user.id);
    expect(retry!.data.failures).toBe(1);
    expect(retry!.delay).toBeGreaterThan(600 - 60);

    // Spotify recovers; the retry's time comes (moved forward instead of waiting ten minutes).
    fake.faults.clear();
    clock.set('2026-07-05T04:10:00Z');
    await sql`update pgboss.job set start_after = now() where name = 'snapshot-capture' and state = 'created' and data->>'userId' = ${String(user.id)}`.execute(db());
    await waitFor('the retry to capture', async () => (await findCaptureStatus(db(), user.id))?.state === 'idle');
    expect(await findCaptureStatus(db(), user.id)).toMatchObject({
      state: 'idle',
      attempts: 0,
      last_success_date: '2026-07-05',
      last_result: { short_term: 50, medium_term: 50, long_term: 50 },
      last_error_code: 'spotify_unavailable',
    });
  });
});
