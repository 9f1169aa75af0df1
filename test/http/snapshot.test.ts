import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { findCaptureStatus } from '../../src/repositories/capture-status.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { findUserBySpotifyId, upsertUser } from '../../src/repositories/users.js';
import { createTracks } from '../factories.js';
import { TIME_RANGES } from '../../src/lib/time-ranges.js';
import { snapshotRows, topTrackCalls } from '../support/capture-world.js';
import { approveOnFake, buildTestAppWithFake } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';
import { cookieFrom } from '../support/cookies.js';
import { settableClock } from '../support/clock.js';

describeEachEngine('first-login capture and "Take a snapshot now"', ({ database }) => {
  const clock = settableClock('2026-08-01T10:00:00Z');
  let fake: FakeSpotify;
  let app: FastifyInstance;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const users = [
      { id: 'snap-ana', display_name: 'Ana Snap' },
      { id: 'snap-new', display_name: 'New Account', topTrackCount: 0 },
      { id: 'snap-local', display_name: 'Local Listener', topTrackCount: 20, localFiles: 2 },
    ];
    ({ app, fake, close } = await buildTestAppWithFake(database(), { clock, users }, { clock, spotify: { backoffBaseMs: 1 } }));
  });
  afterAll(() => close());
  beforeEach(() => {
    fake.faults.clear();
    fake.clearRequests();
  });


  /** The whole login over HTTP (app -> fake consent -> callback); returns the session cookie. */
  async function logIn(user: string): Promise<string> {
    const login = await app.inject({ method: 'GET', url: '/login' });
    // Browsers see the fake's consent page through the app (demo mode); here we go to the fake itself.
    const { callback } = await approveOnFake(fake, new URL(login.headers.location as string).search, user);
    const done = await app.inject({ method: 'GET', url: callback, headers: { cookie: cookieFrom(login) } });
    expect(done.statusCode).toBe(302);
    return cookieFrom(done);
  }

  async function csrfFrom(cookie: string): Promise<{ token: string; cookie: string; page: string }> {
    const page = await app.inject({ method: 'GET', url: '/snapshot', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { token, cookie: cookieFrom(page, cookie), page: page.body };
  }

  it('the first login captures all three ranges at once, so the pages are never empty', async () => {
    const cookie = await logIn('snap-ana');
    const user = (await findUserBySpotifyId(database().db, 'snap-ana'))!;
    for (const range of TIME_RANGES) {
      const ids = fake.topTrackObjects('snap-ana', range, clock.now()).map((t) => t.id);
      expect(await snapshotRows(database().db, user.id, '2026-08-01', range)).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));
    }
    expect(topTrackCalls(fake)).toEqual(TIME_RANGES.map((r) => `snap-ana ${r}`));

    const { page } = await csrfFrom(cookie);
    expect(page).toContain('1 Aug 2026: 50 short-term, 50 medium-term, 50 long-term tracks');
    expect(page).toContain('<span class="num">1</span> day of snapshots, 1 Aug 2026 to 1 Aug 2026');
    expect(page).toContain('Take a snapshot now');
    expect(page).toContain('2 Aug 2026, 04:00 UTC'); // next run: SNAPSHOT_CRON's default, daily 04:00

    // Logging in again (archive not empty) does not capture again.
    fake.clearRequests();
    await logIn('snap-ana');
    expect(topTrackCalls(fake)).toEqual([]);
  });

  it('"Take a snapshot now" replaces today\'s snapshot with the fresh ranking; needs the CSRF token', async () => {
    const cookie = await logIn('snap-ana');
    const user = (await findUserBySpotifyId(database().db, 'snap-ana'))!;
    const refused = await app.inject({ method: 'POST', url: '/snapshot', headers: { cookie }, payload: {} });
    expect(refused.statusCode).toBe(403);
    expect(topTrackCalls(fake)).toEqual([]);

    clock.set('2026-08-01T18:00:00Z');
    const csrf = await csrfFrom(cookie);
    const taken = await app.inject({
      method: 'POST',
      url: '/snapshot',
      headers: { cookie: csrf.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf.token)}`,
    });
    // Post, redirect, show: the result is a one-time message on the page it redirects to.
    expect([taken.statusCode, taken.headers.location]).toEqual([303, '/snapshot']);
    const shown = await app.inject({ method: 'GET', url: '/snapshot', headers: { cookie: cookieFrom(taken, csrf.cookie) } });
    expect(shown.body).toContain('Snapshot of 2026-08-01 saved: 50 short-term, 50 medium-term and 50 long-term tracks.');
    const ids = fake.topTrackObjects('snap-ana', 'short_term', clock.now()).map((t) => t.id);
    expect(await snapshotRows(database().db, user.id, '2026-08-01', 'short_term')).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));

    // JSON clients get the result as JSON; a Spotify outage is a 503 with the reason, nothing stored.
    fake.faults.add({ path: '/v1/me/top/tracks', status: 503 });
    const failed = await app.inject({
      method: 'POST',
      url: '/snapshot',
      headers: { cookie: csrf.cookie, accept: 'application/json', 'x-csrf-token': csrf.token },
    });
    expect(failed.statusCode).toBe(503);
    expect(failed.json()).toEqual({
      error: {
        code: 'spotify_unavailable',
        message: 'The snapshot was not taken: Spotify is not answering (GET /me/top/tracks: HTTP 503 after 4 attempts). Please try again in a few minutes.',
      },
    });
    expect(await findCaptureStatus(database().db, user.id)).toMatchObject({ last_success_date: '2026-08-01', last_error_code: 'spotify_unavailable' });
    clock.set('2026-08-01T10:00:00Z');
  });

  it('an archive written by an import (no capture yet) shows its dates, and login does not capture over it', async () => {
    fake.addUser({ id: 'snap-imported', display_name: 'Imported Archive' });
    const user = await upsertUser(database().db, { spotifyId: 'snap-imported' });
    const ids = await createTracks(database().db, 3);
    for (const date of ['2019-03-01', '2019-04-01', '2021-12-31']) {
      await replaceSnapshot(database().db, { userId: user.id, snapshotDate: date, timeRange: 'long_term', trackIds: ids });
    }
    const cookie = await logIn('snap-imported');
    expect(topTrackCalls(fake)).toEqual([]);
    const { page } = await csrfFrom(cookie);
    expect(page).toContain('<span class="num">3</span> days of snapshots, 1 Mar 2019 to 31 Dec 2021');
    // The history's origin is named instead of a bare "none yet" next to it.
    expect(page).toMatch(/Last snapshot taken by this app<\/dt>\s*<dd>none yet: the history above was not captured here<\/dd>/);
  });

  it('an account without top tracks shows "nothing to capture", not an error', async () => {
    const cookie = await logIn('snap-new');
    const csrf = await csrfFrom(cookie);
    expect(csrf.page).toContain('1 Aug 2026: nothing to capture (Spotify had no top tracks for your account)');
    const taken = await app.inject({
      method: 'POST',
      url: '/snapshot',
      headers: { cookie: csrf.cookie, accept: 'application/json', 'x-csrf-token': csrf.token },
    });
    expect(taken.statusCode).toBe(200);
    expect(taken.json()).toEqual({ outcome: 'nothing_to_capture', date: '2026-08-01', counts: { short_term: 0, medium_term: 0, long_term: 0 } });
  });

  it('logged out, the snapshot page and action send you to the login', async () => {
    expect((await app.inject({ method: 'GET', url: '/snapshot' })).headers.location).toBe('/login');
    const post = await app.inject({ method: 'POST', url: '/snapshot' });
    expect(post.statusCode).toBe(302);
    expect(post.headers.location).toBe('/login');
  });

  it('a top list with local files (id: null) is captured without them, and the page says how many were left out', async () => {
    const cookie = await logIn('snap-local'); // the first login's capture
    const user = (await findUserBySpotifyId(database().db, 'snap-local'))!;
    const ids = fake.topTrackObjects('snap-local', 'short_term', clock.now()).filter((t) => t.id !== null).map((t) => t.id);
    expect(ids).toHaveLength(20);
    expect(await snapshotRows(database().db, user.id, '2026-08-01', 'short_term')).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));
    const csrf = await csrfFrom(cookie);
    const taken = await app.inject({
      method: 'POST',
      url: '/snapshot',
      headers: { cookie: csrf.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      payload: `_csrf=${encodeURIComponent(csrf.token)}`,
    });
    expect(taken.json()).toEqual({ outcome: 'captured', date: '2026-08-01', counts: { short_term: 20, medium_term: 20, long_term: 20 }, skipped_local_files: 6 });
    const posted = await app.inject({
      method: 'POST',
      url: '/snapshot',
      headers: { cookie: csrf.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrf.token)}`,
    });
    expect([posted.statusCode, posted.headers.location]).toEqual([303, '/snapshot']);
    const page = await app.inject({ method: 'GET', url: '/snapshot', headers: { cookie: cookieFrom(posted, csrf.cookie) } });
    expect(page.body).toContain('Snapshot of 2026-08-01 saved: 20 short-term, 20 medium-term and 20 long-term tracks. 6 local files were left out (local files have no Spotify id to archive).');
  });
});
