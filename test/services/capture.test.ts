import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { TIME_RANGES, type TimeRange } from '../../src/lib/time-ranges.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { findCaptureStatus } from '../../src/repositories/capture-status.js';
import { findTrack } from '../../src/repositories/tracks.js';
import { captureSnapshot, type CaptureDeps } from '../../src/services/capture.js';
import { runCapture } from '../../src/services/capture-runs.js';
import { createUser, unique } from '../factories.js';
import { snapshotRows, topTrackCalls } from '../support/capture-world.js';
import { describeEachEngine } from '../support/databases.js';
import { settableClock } from '../support/clock.js';
import { fakeSpotifyClient } from '../support/spotify-client.js';

const clock = settableClock('2026-03-10T05:00:00Z');
let fake: FakeSpotify;

beforeAll(async () => {
  fake = await startFakeSpotify({ clock, users: [] });
});
afterAll(() => fake.stop());
beforeEach(() => {
  clock.set('2026-03-10T05:00:00Z');
  fake.faults.clear();
  fake.clearRequests();
});

describeEachEngine('snapshot capture against the fake Spotify', ({ database }) => {
  const db = () => database().db;
  const client = () => fakeSpotifyClient(fake, { clock, maxInProcessWaitSeconds: 2 });

  /** A stored user and its fake Spotify account, with a reader acting for it over HTTP. */
  async function account(topTrackCount = 50) {
    const spotifyId = unique('cap');
    fake.addUser({ id: spotifyId, display_name: `Listener ${spotifyId}`, topTrackCount });
    const user = await createUser(db(), spotifyId);
    const c = client();
    const deps: CaptureDeps = {
      db: db(),
      clock,
      // A fresh access token per capture, as the token service would hand out (tests move the clock by days).
      spotifyFor: async () => {
        const { access_token } = fake.issueTokens(spotifyId);
        return { getTopTracks: (range, page) => c.getTopTracks(access_token, range, page) };
      },
    };
    return { spotifyId, user, deps };
  }

  const expectedIds = (spotifyId: string, range: TimeRange, at: Date) =>
    fake.topTrackObjects(spotifyId, range, at).map((t) => t.id as string);

  it('captures the three ranges with ranks in response order and whole payloads', async () => {
    const { spotifyId, user, deps } = await account();
    const result = await captureSnapshot(deps, user.id);
    expect(result).toEqual({
      userId: user.id,
      snapshotDate: '2026-03-10',
      counts: { short_term: 50, medium_term: 50, long_term: 50 },
      skippedLocalFiles: 0,
      outcome: 'captured',
    });
    for (const range of TIME_RANGES) {
      const ids = expectedIds(spotifyId, range, clock.now());
      expect(ids).toHaveLength(50);
      expect(await snapshotRows(db(), user.id, '2026-03-10', range)).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));
    }
    // The ranges differ (otherwise the per-range check above would prove little).
    expect(expectedIds(spotifyId, 'short_term', clock.now())).not.toEqual(expectedIds(spotifyId, 'long_term', clock.now()));

    const first = fake.topTrackObjects(spotifyId, 'short_term', clock.now())[0]! as {
      id: string;
      name: string;
      artists: { name: string }[];
      album: { name: string };
      duration_ms: number;
      external_urls: { spotify: string };
    };
    const stored = await findTrack(db(), first.id);
    expect(stored).toMatchObject({
      track_id: first.id,
      name: first.name,
      artist_name: first.artists.map((a) => a.name).join(', '),
      album_name: first.album.name,
      duration_ms: first.duration_ms,
      spotify_url: first.external_urls.spotify,
    });
    expect(stored?.raw_json).toEqual(first);
    expect(topTrackCalls(fake, spotifyId)).toEqual(TIME_RANGES.map((r) => `${spotifyId} ${r}`));
    expect(fake.requests.filter((r) => r.path === '/v1/me/top/tracks').map((r) => r.query)).toEqual(
      TIME_RANGES.map((time_range) => ({ time_range, limit: '50', offset: '0' })),
    );
  });

  it('capturing the same day twice leaves one snapshot per range, with the second ranking', async () => {
    const { spotifyId, user, deps } = await account();
    await captureSnapshot(deps, user.id, { date: '2026-03-10' });
    const firstShort = expectedIds(spotifyId, 'short_term', clock.now());

    // Spotify's ranking moves on; the app captures again for the same date.
    clock.set('2026-04-20T05:00:00Z');
    const secondShort = expectedIds(spotifyId, 'short_term', clock.now());
    expect(secondShort).not.toEqual(firstShort);
    await captureSnapshot(deps, user.id, { date: '2026-03-10' });

    for (const range of TIME_RANGES) {
      const ids = expectedIds(spotifyId, range, clock.now());
      expect(await snapshotRows(db(), user.id, '2026-03-10', range)).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));
    }
    const dates = await db()
      .selectFrom('snapshots')
      .select(['snapshot_date', 'time_range'])
      .distinct()
      .where('user_id', '=', user.id)
      .orderBy('time_range')
      .execute();
    expect(dates).toEqual([
      { snapshot_date: '2026-03-10', time_range: 'long_term' },
      { snapshot_date: '2026-03-10', time_range: 'medium_term' },
      { snapshot_date: '2026-03-10', time_range: 'short_term' },
    ]);
  });

  it('a range failing with 500 until retries run out stores nothing of it and keeps finished ranges', async () => {
    const { spotifyId, user, deps } = await account();
    // An earlier capture today: the failing range must keep it whole, not mix it with new rows.
    expect(await runCapture(deps, user.id, { mode: 'once' })).toMatchObject({ kind: 'captured' });
    const before = expectedIds(spotifyId, 'medium_term', clock.now());
    clock.set('2026-03-10T21:00:00Z');
    fake.clearRequests();

    // short_term passes, then every top-tracks call answers 500.
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, times: 1 });
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, status: 500 });
    const outcome = await runCapture(deps, user.id, { mode: 'scheduled', retryPolicy: { maxAttempts: 3, baseDelaySeconds: 60, maxDelaySeconds: 600 } });

    expect(outcome).toEqual({
      kind: 'retry',
      runAt: new Date('2026-03-10T21:01:00Z'),
      attempt: 2,
      error: {
        code: 'spotify_unavailable',
        message: 'Spotify is not answering (GET /me/top/tracks: HTTP 500 after 4 attempts). Please try again in a few minutes.',
      },
    });
    // The client retried medium_term 3 times (4 calls); long_term was never asked for.
    expect(topTrackCalls(fake, spotifyId)).toEqual([
      `${spotifyId} short_term`,
      ...Array.from({ length: 4 }, () => `${spotifyId} medium_term`),
    ]);
    const freshShort = expectedIds(spotifyId, 'short_term', clock.now());
    expect(await snapshotRows(db(), user.id, '2026-03-10', 'short_term')).toEqual(freshShort.map((track_id, i) => ({ track_id, rank: i + 1 })));
    expect(await snapshotRows(db(), user.id, '2026-03-10', 'medium_term')).toEqual(before.map((track_id, i) => ({ track_id, rank: i + 1 })));

    // On a day with no earlier capture, the failed range simply has no rows.
    clock.set('2026-03-11T05:00:00Z');
    fake.faults.clear();
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, times: 1 });
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, status: 500 });
    await expect(captureSnapshot(deps, user.id)).rejects.toMatchObject({ code: 'spotify_unavailable' });
    expect(await snapshotRows(db(), user.id, '2026-03-11', 'short_term')).toHaveLength(50);
    expect(await snapshotRows(db(), user.id, '2026-03-11', 'medium_term')).toEqual([]);
    expect(await snapshotRows(db(), user.id, '2026-03-11', 'long_term')).toEqual([]);

    const status = await findCaptureStatus(db(), user.id);
    expect(status).toMatchObject({
      state: 'retrying',
      attempts: 1,
      last_error_code: 'spotify_unavailable',
      last_error_at: new Date('2026-03-10T21:00:00Z'),
      next_run_at: new Date('2026-03-10T21:01:00Z'),
      last_success_date: '2026-03-10',
    });
  });

  it('skips local files (id: null) with a count instead of failing the page', async () => {
    const spotifyId = unique('loc');
    fake.addUser({ id: spotifyId, display_name: 'Local Listener', localFiles: 3 });
    const user = await createUser(db(), spotifyId);
    const c = client();
    const deps: CaptureDeps = {
      db: db(),
      clock,
      spotifyFor: async () => {
        const { access_token } = fake.issueTokens(spotifyId);
        return { getTopTracks: (range, page) => c.getTopTracks(access_token, range, page) };
      },
    };
    const outcome = await runCapture(deps, user.id, { mode: 'once' });
    // Each range's page of 50 holds 3 local files and 47 tracks.
    expect(outcome).toMatchObject({ kind: 'captured', result: { counts: { short_term: 47, medium_term: 47, long_term: 47 }, skippedLocalFiles: 9, outcome: 'captured' } });
    const rows = await snapshotRows(db(), user.id, '2026-03-10', 'short_term');
    expect(rows.map((r) => r.rank)).toEqual(Array.from({ length: 47 }, (_, i) => i + 1));
    const catalogueIds = fake.topTrackObjects(spotifyId, 'short_term', clock.now()).filter((t) => t.id !== null).slice(0, 47).map((t) => t.id);
    expect(rows.map((r) => r.track_id)).toEqual(catalogueIds);
  });

  it('a new account with 12 top tracks is a valid snapshot of 12 ranks', async () => {
    const { spotifyId, user, deps } = await account(12);
    const outcome = await runCapture(deps, user.id, { mode: 'once' });
    expect(outcome).toMatchObject({ kind: 'captured', result: { counts: { short_term: 12, medium_term: 12, long_term: 12 }, outcome: 'captured' } });
    for (const range of TIME_RANGES) {
      const ids = expectedIds(spotifyId, range, clock.now());
      expect(ids).toHaveLength(12);
      expect(await snapshotRows(db(), user.id, '2026-03-10', range)).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));
    }
    expect(await findCaptureStatus(db(), user.id)).toMatchObject({
      state: 'idle',
      last_success_date: '2026-03-10',
      last_result: { short_term: 12, medium_term: 12, long_term: 12 },
      last_error: null,
    });
  });

  it('an account with no top tracks is "nothing to capture", recorded as a success, not an error', async () => {
    const { user, deps } = await account(0);
    const outcome = await runCapture(deps, user.id, { mode: 'scheduled' });
    expect(outcome).toEqual({
      kind: 'captured',
      result: { userId: user.id, snapshotDate: '2026-03-10', counts: { short_term: 0, medium_term: 0, long_term: 0 }, skippedLocalFiles: 0, outcome: 'nothing_to_capture' },
    });
    expect(await findCaptureStatus(db(), user.id)).toMatchObject({
      state: 'idle',
      last_success_date: '2026-03-10',
      last_result: { short_term: 0, medium_term: 0, long_term: 0 },
      last_error: null,
    });
    const rows = await db().selectFrom('snapshots').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toEqual([]);
  });

  it('a long 429 defers the capture until Spotify\'s wait is over and does not count as a failure', async () => {
    const { spotifyId, user, deps } = await account();
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, status: 429, retryAfter: 7200 });
    const outcome = await runCapture(deps, user.id, { mode: 'scheduled' });
    expect(outcome).toMatchObject({ kind: 'deferred', runAt: new Date('2026-03-10T07:00:00Z'), error: { code: 'spotify_rate_limited' } });
    expect(topTrackCalls(fake, spotifyId)).toEqual([`${spotifyId} short_term`]);
    expect(await findCaptureStatus(db(), user.id)).toMatchObject({
      state: 'deferred',
      attempts: 0,
      next_run_at: new Date('2026-03-10T07:00:00Z'),
      last_error_code: 'spotify_rate_limited',
    });
  });
});
