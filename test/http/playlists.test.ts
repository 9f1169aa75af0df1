import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { buildTestApp } from '../support/app.js';
import { cookieFrom } from '../support/cookies.js';
import { describeEachEngine } from '../support/databases.js';
import { apiTrack, countPlaylistRows, logInWithCsrf, playlistRows, seedArchive, trackId } from '../support/playlist-world.js';
import { fixedClock } from '../../src/lib/clock.js';

/**
 * Playlists end to end over inject(): each source's exact tracks in order on fixed data (today is
 * 2026-12-01, so Forgotten Gems' window is 2025-12-01 .. 2026-09-02), creation in the fake
 * Spotify, the log, every bad input, Spotify failures and rate limits, and two users' isolation.
 */
describeEachEngine('playlists', ({ database }) => {
  const clock = fixedClock('2026-12-01T10:00:00Z');
  let fake: FakeSpotify;
  let app: FastifyInstance;
  let deps: Deps;
  let ana: { id: number; cookie: string; csrf: string };
  let ben: { id: number; cookie: string; csrf: string };

  const G = (n: number) => trackId('G', n);
  const C = (n: number) => trackId('C', n);
  const D = (n: number) => trackId('D', n);
  const M = (n: number) => trackId('M', n);
  const B = (n: number) => trackId('B', n);

  beforeAll(async () => {
    fake = await startFakeSpotify({ clock, users: [{ id: 'pl-ana', display_name: 'Ana' }, { id: 'pl-ben', display_name: 'Ben' }, { id: 'pl-new', display_name: 'New', topTrackCount: 0 }] });
    ({ app, deps } = await buildTestApp({ ...database(), close: async () => {} }, { SPOTIFY_RATE_LIMIT: '1000' }, { clock, fakeSpotify: fake, spotify: { backoffBaseMs: 1 } }));
    const db = database().db;
    const anaId = await seedArchive(db, 'pl-ana', [
      { date: '2025-11-30', range: 'short_term', tracks: [G(0)] }, // 366 days ago: too old
      { date: '2025-12-01', range: 'short_term', tracks: [G(1), G(2)] }, // 365 days ago: the oldest day counted
      { date: '2026-03-01', range: 'short_term', tracks: [G(2), G(3), G(1)] },
      { date: '2026-03-01', range: 'medium_term', tracks: [M(1)] }, // not short term: never a gem
      { date: '2026-06-01', range: 'short_term', tracks: [G(3), G(2), G(5)] },
      { date: '2026-09-02', range: 'short_term', tracks: [G(4), G(6)] }, // 90 days ago: the newest day counted
      { date: '2026-09-03', range: 'short_term', tracks: [G(5), G(6)] }, // 89 days ago: G5 and G6 are not forgotten
      { date: '2026-10-01', range: 'short_term', tracks: [C(3)] },
      { date: '2026-11-30', range: 'short_term', tracks: [C(1), C(2), C(3), G(6)] },
      { date: '2026-11-30', range: 'medium_term', tracks: [G(2), D(1), C(1)] }, // G2 in medium term lately: still a gem
      { date: '2026-11-30', range: 'long_term', tracks: [D(2), D(1)] },
    ]);
    const benId = await seedArchive(db, 'pl-ben', [{ date: '2026-11-30', range: 'short_term', tracks: [B(1), B(2)] }]);
    ana = { id: anaId, ...(await logInWithCsrf(app, fake, 'pl-ana')) };
    ben = { id: benId, ...(await logInWithCsrf(app, fake, 'pl-ben')) };
  });
  afterAll(async () => {
    await app?.close();
    await deps?.close();
    await fake?.stop();
  });
  beforeEach(() => {
    fake.faults.clear();
    fake.clearRequests();
  });

  function generate(user: { cookie: string; csrf: string }, body: unknown) {
    return app.inject({ method: 'POST', url: '/api/generate-playlist', headers: { cookie: user.cookie, 'x-csrf-token': user.csrf }, payload: body as object });
  }
  const spotifyWrites = () => fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v1/'));

  it('previews each source with exactly its tracks, in the documented order, creating nothing', async () => {
    const cases = [
      // Most snapshot dates in the window first (G2: 3), then best rank, then seen most recently (G3 before G1).
      { body: { source: 'forgotten_gems' }, name: 'Forgotten Gems – December 2026', tracks: [G(2), G(3), G(1), G(4)] },
      // Best (rank, range) on 2026-11-30: C1 short #1, D2 long #1, C2 short #2, D1 medium #2.
      { body: { source: 'recent_discoveries' }, name: 'Recent Discoveries – December 2026', tracks: [C(1), D(2), C(2), D(1)] },
      { body: { source: 'current_rotation' }, name: 'Current Rotation – December 2026', tracks: [C(1), C(2), C(3), G(6)] },
      { body: { source: 'snapshot', date: '2026-06-01', range: 'short_term' }, name: 'Snapshot (short term) – June 2026', tracks: [G(3), G(2), G(5)] },
      { body: { source: 'snapshot', date: '2026-03-01', range: 'medium_term', name: 'Spring' }, name: 'Spring', tracks: [M(1)] },
    ];
    for (const c of cases) {
      const answer = await generate(ana, { ...c.body, preview: true });
      expect(answer.statusCode, JSON.stringify(c.body)).toBe(200);
      expect(answer.json()).toEqual({ preview: { name: c.name, source: c.body.source, trackCount: c.tracks.length, tracks: c.tracks.map(apiTrack) } });
    }
    expect(spotifyWrites()).toEqual([]);
    expect(await countPlaylistRows(database().db)).toBe(0);

    // The HTML preview lists the same tracks in the same order, with a button to create them.
    const page = await app.inject({
      method: 'POST',
      url: '/playlists/preview',
      headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: ana.csrf, source: 'forgotten_gems', date: '2026-11-30', range: 'long_term', name: '' }).toString(),
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Preview: Forgotten Gems – December 2026');
    expect([...page.body.matchAll(/<li><a href="https:\/\/open\.spotify\.com\/track\/(\w+)"/g)].map((m) => m[1])).toEqual([G(2), G(3), G(1), G(4)]);
    expect(page.body).toContain('Create this playlist');
  });

  it('creates a private playlist in Spotify with the tracks in order, then logs it and lists it', async () => {
    const answer = await generate(ana, { source: 'current_rotation' });
    expect(answer.statusCode).toBe(201);
    const body = answer.json();
    const [inFake] = fake.playlists('pl-ana');
    expect(inFake).toMatchObject({ name: 'Current Rotation – December 2026', public: false, items: [C(1), C(2), C(3), G(6)].map((id) => `spotify:track:${id}`) });
    expect(body).toEqual({
      playlist: {
        id: expect.any(Number),
        spotifyId: inFake!.id,
        name: 'Current Rotation – December 2026',
        url: `https://open.spotify.com/playlist/${inFake!.id}`,
        source: 'current_rotation',
        trackCount: 4,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
      tracks: [C(1), C(2), C(3), G(6)].map(apiTrack),
    });
    expect(spotifyWrites().map((r) => `${r.method} ${r.path.replace(inFake!.id, '{id}')}`)).toEqual(['POST /v1/me/playlists', 'POST /v1/playlists/{id}/items']);
    expect(await playlistRows(database().db, ana.id)).toEqual([
      { spotify_playlist_id: inFake!.id, name: 'Current Rotation – December 2026', source: 'current_rotation', parameters: { date: '2026-11-30', range: 'short_term' }, track_count: 4 },
    ]);

    const list = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie: ana.cookie, accept: 'application/json' } });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      playlists: [body.playlist],
      sources: [
        { id: 'forgotten_gems', label: 'Forgotten Gems', description: expect.any(String) },
        { id: 'recent_discoveries', label: 'Recent Discoveries', description: expect.any(String) },
        { id: 'current_rotation', label: 'Current Rotation', description: expect.any(String) },
        { id: 'snapshot', label: 'Snapshot', description: expect.any(String) },
      ],
      dates: ['2026-11-30', '2026-10-01', '2026-09-03', '2026-09-02', '2026-06-01', '2026-03-01', '2025-12-01', '2025-11-30'],
    });
  });

  it('the form creates, then redirects to /playlists, whose flash links to the playlist in Spotify', async () => {
    const posted = await app.inject({
      method: 'POST',
      url: '/playlists',
      headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: ana.csrf, source: 'snapshot', date: '2026-06-01', range: 'short_term', name: "'); DELETE FROM playlists; --" }).toString(),
    });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/playlists');
    const created = fake.playlists('pl-ana').at(-1)!;
    // SQL-looking text is just a name: stored and sent as written.
    expect(created).toMatchObject({ name: "'); DELETE FROM playlists; --", items: [G(3), G(2), G(5)].map((id) => `spotify:track:${id}`) });

    const page = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie: cookieFrom(posted, ana.cookie) } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      `Created the private playlist &quot;&#39;); DELETE FROM playlists; --&quot; with 3 tracks in your Spotify. <a href="https://open.spotify.com/playlist/${created.id}">Open in Spotify</a>`,
    );
    // The list shows both playlists, newest first, each linking to Spotify.
    const links = [...page.body.matchAll(/<td><a href="https:\/\/open\.spotify\.com\/playlist\/([^"]+)"/g)].map((m) => m[1]);
    expect(links).toEqual(fake.playlists('pl-ana').map((p) => p.id).reverse());
    expect((await playlistRows(database().db, ana.id)).map((r) => r.name)).toEqual(['Current Rotation – December 2026', "'); DELETE FROM playlists; --"]);
  });

  it('refuses every malformed request with a 400 and a message, writing nothing', async () => {
    const before = await countPlaylistRows(database().db);
    const SOURCE = 'source must be one of forgotten_gems, recent_discoveries, current_rotation, snapshot.';
    const cases: Array<[unknown, string]> = [
      [{ source: 'nope' }, SOURCE],
      [{ source: "x'; DROP TABLE playlists; --" }, SOURCE],
      [{ source: 5 }, SOURCE],
      [{}, 'source is required: one of forgotten_gems, recent_discoveries, current_rotation, snapshot.'],
      [[], 'Send a JSON object, e.g. {"source": "current_rotation"} (with the header content-type: application/json).'],
      ['forgotten_gems', 'Send a JSON object, e.g. {"source": "current_rotation"} (with the header content-type: application/json).'],
      [{ source: 'snapshot' }, 'The source "snapshot" needs a date (YYYY-MM-DD) of one of your snapshots.'],
      [{ source: 'snapshot', date: '2026-06-01' }, 'The source "snapshot" needs a range: one of short_term, medium_term, long_term.'],
      [{ source: 'snapshot', date: '2026-02-30', range: 'short_term' }, 'date must be a calendar date written YYYY-MM-DD, e.g. 2026-03-14.'],
      [{ source: 'snapshot', date: '01/06/2026', range: 'short_term' }, 'date must be a string written YYYY-MM-DD, e.g. "2026-03-14".'],
      [{ source: 'snapshot', date: "2026-06-01' OR 1=1", range: 'short_term' }, 'date must be a string written YYYY-MM-DD, e.g. "2026-03-14".'],
      [{ source: 'snapshot', date: 20260601, range: 'short_term' }, 'date must be a string written YYYY-MM-DD, e.g. "2026-03-14".'],
      [{ source: 'snapshot', date: '2026-06-01', range: 'weekly' }, 'range must be one of short_term, medium_term, long_term.'],
      [{ source: 'current_rotation', date: '2026-06-01' }, 'date is only used with the source "snapshot"; leave it out for "current_rotation".'],
      [{ source: 'forgotten_gems', range: 'short_term' }, 'range is only used with the source "snapshot"; leave it out for "forgotten_gems".'],
      [{ source: 'current_rotation', name: 'x'.repeat(10_240) }, 'name must be a string of 1 to 100 characters.'],
      [{ source: 'current_rotation', name: 'x'.repeat(101) }, 'name must be a string of 1 to 100 characters.'],
      [{ source: 'current_rotation', name: '' }, 'name must be a string of 1 to 100 characters.'],
      [{ source: 'current_rotation', name: '   ' }, 'The playlist name cannot be blank.'],
      [{ source: 'current_rotation', name: 'two\nlines' }, 'The playlist name cannot contain line breaks, tabs or other control characters.'],
      [{ source: 'current_rotation', name: 123 }, 'name must be a string of 1 to 100 characters.'],
      [{ source: 'current_rotation', preview: 'true' }, 'preview must be true or false (a JSON boolean).'],
      [{ source: 'current_rotation', preview: 1 }, 'preview must be true or false (a JSON boolean).'],
    ];
    for (const [body, message] of cases) {
      const answer = await app.inject({
        method: 'POST',
        url: '/api/generate-playlist',
        headers: { cookie: ana.cookie, 'x-csrf-token': ana.csrf, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect(answer.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.json(), JSON.stringify(body).slice(0, 80)).toEqual({ error: { code: 'invalid_input', message } });
    }

    // No body at all, an empty JSON body, broken JSON, the wrong media type.
    const raw = async (headers: Record<string, string>, payload?: string) =>
      app.inject({ method: 'POST', url: '/api/generate-playlist', headers: { cookie: ana.cookie, 'x-csrf-token': ana.csrf, ...headers }, ...(payload === undefined ? {} : { payload }) });
    const noBody = await raw({});
    expect(noBody.statusCode).toBe(400);
    expect(noBody.json()).toEqual({ error: { code: 'invalid_input', message: 'Send a JSON object, e.g. {"source": "current_rotation"} (with the header content-type: application/json).' } });
    const emptyJson = await raw({ 'content-type': 'application/json' }, '');
    expect(emptyJson.statusCode).toBe(400);
    expect(emptyJson.json().error.message).toBe("Body cannot be empty when content-type is set to 'application/json'");
    const broken = await raw({ 'content-type': 'application/json' }, '{"source": ');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');
    const text = await raw({ 'content-type': 'text/plain' }, 'source=current_rotation');
    expect(text.statusCode).toBe(400);
    expect(text.json().error.message).toBe('Send a JSON object, e.g. {"source": "current_rotation"} (with the header content-type: application/json).');

    // The form: a 10 kB name comes back on the page with the message and a 400.
    const form = await app.inject({
      method: 'POST',
      url: '/playlists',
      headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: ana.csrf, source: 'current_rotation', name: 'y'.repeat(10_240) }).toString(),
    });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain('The playlist name is 10240 characters long; at most 100 are allowed.');
    const unknown = await app.inject({
      method: 'POST',
      url: '/playlists/preview',
      headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: ana.csrf, source: '<script>alert(1)</script>' }).toString(),
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('Unknown source: use one of forgotten_gems, recent_discoveries, current_rotation, snapshot.');
    expect(unknown.body).not.toContain('<script>alert(1)</script>');

    expect(spotifyWrites()).toEqual([]);
    expect(await countPlaylistRows(database().db)).toBe(before);
  });

  it('needs a login (401 JSON, or the login page) and the CSRF token (403)', async () => {
    const anonymous = await app.inject({ method: 'POST', url: '/api/generate-playlist', payload: { source: 'current_rotation' } });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ error: { code: 'not_logged_in', message: 'Log in with Spotify first.' } });
    const anonymousBad = await app.inject({ method: 'POST', url: '/api/generate-playlist', payload: { source: 'nope' } });
    expect(anonymousBad.statusCode).toBe(401);
    const anonymousJson = await app.inject({ method: 'GET', url: '/playlists', headers: { accept: 'application/json' } });
    expect(anonymousJson.statusCode).toBe(401);
    const anonymousPage = await app.inject({ method: 'GET', url: '/playlists' });
    expect(anonymousPage.statusCode).toBe(302);
    expect(anonymousPage.headers.location).toBe('/login');

    const noToken = await app.inject({ method: 'POST', url: '/api/generate-playlist', headers: { cookie: ana.cookie }, payload: { source: 'current_rotation' } });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toEqual({ error: { code: 'FST_CSRF_INVALID_TOKEN', message: 'Invalid csrf token' } });
    const benToken = await app.inject({ method: 'POST', url: '/api/generate-playlist', headers: { cookie: ana.cookie, 'x-csrf-token': ben.csrf }, payload: { source: 'current_rotation' } });
    expect(benToken.statusCode).toBe(403);
    expect(spotifyWrites()).toEqual([]);
  });

  it('an empty selection says so (422) and creates nothing', async () => {
    const before = await countPlaylistRows(database().db);
    const gems = await generate(ben, { source: 'forgotten_gems' });
    expect(gems.statusCode).toBe(422);
    expect(gems.json()).toEqual({
      error: {
        code: 'empty_selection',
        message: 'No forgotten gems: none of your short-term tracks from 1 Dec 2025 to 2 Sep 2026 has dropped out since. They appear once your archive reaches back more than 90 days.',
      },
    });
    const missingDate = await generate(ana, { source: 'snapshot', date: '2026-05-01', range: 'short_term' });
    expect(missingDate.statusCode).toBe(422);
    expect(missingDate.json().error).toEqual({ code: 'empty_selection', message: 'You have no short term (4 weeks) snapshot on 1 May 2026. Pick one of the dates in your archive.' });
    expect(spotifyWrites()).toEqual([]);
    expect(await countPlaylistRows(database().db)).toBe(before);
  });

  it('a Spotify failure is a 502 saying what happened, and nothing is recorded', async () => {
    const before = await countPlaylistRows(database().db);
    fake.faults.add({ path: '/v1/me/playlists', status: 500, times: 1 });
    const refused = await generate(ana, { source: 'current_rotation' });
    expect(refused.statusCode).toBe(502);
    expect(refused.json()).toEqual({
      error: {
        code: 'spotify_unavailable',
        message: 'The playlist was not created: Spotify is not answering (POST /me/playlists: HTTP 500 after 1 attempt). Please try again in a few minutes.',
      },
    });

    const playlistsBefore = fake.playlists('pl-ana').length;
    fake.faults.add({ path: '/v1/playlists/*', status: 403, times: 1 });
    const half = await generate(ana, { source: 'current_rotation' });
    expect(half.statusCode).toBe(502);
    expect(half.json().error.code).toBe('spotify_request_failed');
    expect(half.json().error.message).toMatch(
      /^Spotify created the playlist "Current Rotation – December 2026" but did not take its tracks, so it is empty or incomplete in your Spotify and was not recorded here: Spotify refused POST \/playlists\/\{id\}\/items \(403: Injected 403\)\./,
    );
    expect(fake.playlists('pl-ana')).toHaveLength(playlistsBefore + 1);
    expect(fake.playlists('pl-ana').at(-1)!.items).toEqual([]);

    // The form shows the same message on the page, with the 502.
    fake.faults.add({ path: '/v1/me/playlists', status: 500, times: 1 });
    const form = await app.inject({
      method: 'POST',
      url: '/playlists',
      headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: ana.csrf, source: 'current_rotation' }).toString(),
    });
    expect(form.statusCode).toBe(502);
    expect(form.body).toContain('The playlist was not created: Spotify is not answering (POST /me/playlists: HTTP 500 after 1 attempt).');
    expect(await countPlaylistRows(database().db)).toBe(before);
  });

  it('a Spotify rate limit is a 429 with Retry-After and the time to come back', async () => {
    const before = await countPlaylistRows(database().db);
    fake.faults.add({ path: '/v1/me/playlists', status: 429, retryAfter: 120, times: 1 });
    const limited = await generate(ana, { source: 'recent_discoveries' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('120');
    expect(limited.json()).toEqual({
      error: {
        code: 'spotify_rate_limited',
        message: 'The playlist was not created: Spotify is limiting how often this app may call it. Try again in 120 seconds (after 2026-12-01 10:02 UTC).',
      },
    });

    // The form: the page again, with the same message and header.
    fake.faults.add({ path: '/v1/me/playlists', status: 429, retryAfter: 7200, times: 1 });
    const form = await app.inject({
      method: 'POST',
      url: '/playlists',
      headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: ana.csrf, source: 'current_rotation' }).toString(),
    });
    expect(form.statusCode).toBe(429);
    expect(form.headers['retry-after']).toBe('7200');
    expect(form.body).toContain('The playlist was not created: Spotify is limiting how often this app may call it. Try again in 7200 seconds (after 2026-12-01 12:00 UTC).');
    expect(await countPlaylistRows(database().db)).toBe(before);
  });

  it('a user whose Spotify access was revoked is asked to log in again (401), nothing recorded', async () => {
    fake.addUser({ id: 'pl-gone', display_name: 'Gone' });
    await seedArchive(database().db, 'pl-gone', [{ date: '2026-11-30', range: 'short_term', tracks: [B(1)] }]);
    const gone = await logInWithCsrf(app, fake, 'pl-gone');
    fake.revokeTokens('pl-gone');
    const before = await countPlaylistRows(database().db);
    const answer = await generate(gone, { source: 'current_rotation' });
    expect(answer.statusCode).toBe(401);
    expect(answer.json()).toEqual({
      error: { code: 'spotify_reauth_required', message: "Spotify no longer accepts this app's access for your account. Please log in with Spotify again." },
    });
    expect(fake.playlists('pl-gone')).toEqual([]);
    expect(await countPlaylistRows(database().db)).toBe(before);
  });

  it('isolation: Ben cannot use Ana\'s snapshots by guessing parameters, and never sees her playlists', async () => {
    expect((await playlistRows(database().db, ana.id)).length).toBeGreaterThan(0);
    for (const guess of [
      { source: 'snapshot', date: '2026-06-01', range: 'short_term' },
      { source: 'snapshot', date: '2026-11-30', range: 'medium_term' },
      { source: 'snapshot', date: '2025-12-01', range: 'short_term', preview: true },
    ]) {
      const answer = await generate(ben, guess);
      expect(answer.statusCode, JSON.stringify(guess)).toBe(422);
      expect(answer.json().error.code).toBe('empty_selection');
    }
    // His own sources select only his own tracks.
    const rotation = await generate(ben, { source: 'current_rotation', preview: true });
    expect(rotation.json().preview.tracks).toEqual([B(1), B(2)].map(apiTrack));
    const discoveries = await generate(ben, { source: 'recent_discoveries', preview: true });
    expect(discoveries.json().preview.tracks).toEqual([B(1), B(2)].map(apiTrack));

    const list = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie: ben.cookie, accept: 'application/json' } });
    expect(list.json()).toMatchObject({ playlists: [], dates: ['2026-11-30'] });
    const page = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie: ben.cookie } });
    expect(page.body).toContain('None yet.');
    for (const row of await playlistRows(database().db, ana.id)) {
      expect(page.body).not.toContain(row.spotify_playlist_id);
    }
    expect(await playlistRows(database().db, ben.id)).toEqual([]);
    expect(fake.playlists('pl-ben')).toEqual([]);
  });

  it('a selection over 100 tracks reaches Spotify whole and in order (two "add items" calls)', async () => {
    const day = (d: number) => Array.from({ length: 50 }, (_, i) => trackId(`K${d}r`, i + 1));
    const caraId = await seedArchive(database().db, 'pl-cara', [
      { date: '2026-05-01', range: 'short_term', tracks: day(1) },
      { date: '2026-05-02', range: 'short_term', tracks: day(2) },
      { date: '2026-05-03', range: 'short_term', tracks: day(3) },
    ]);
    fake.addUser({ id: 'pl-cara', display_name: 'Cara' });
    const cara = await logInWithCsrf(app, fake, 'pl-cara');
    const answer = await generate(cara, { source: 'forgotten_gems', name: 'All of May' });
    expect(answer.statusCode).toBe(201);
    // One date each: best rank first, then the most recent day.
    const expected = Array.from({ length: 50 }, (_, i) => [day(3)[i]!, day(2)[i]!, day(1)[i]!]).flat();
    expect(answer.json().tracks.map((t: { trackId: string }) => t.trackId)).toEqual(expected);
    expect(fake.playlists('pl-cara')[0]!.items).toEqual(expected.map((id) => `spotify:track:${id}`));
    expect(spotifyWrites().filter((r) => r.path.endsWith('/items')).map((r) => (r.body as { uris: string[] }).uris.length)).toEqual([100, 50]);
    expect(await playlistRows(database().db, caraId)).toEqual([
      { spotify_playlist_id: fake.playlists('pl-cara')[0]!.id, name: 'All of May', source: 'forgotten_gems', parameters: { from: '2025-12-01', to: '2026-09-02', absentAfter: '2026-09-02' }, track_count: 150 },
    ]);
  });

  it('a user with an empty archive sees the first-snapshot prompt, and JSON says there are no dates', async () => {
    const empty = await logInWithCsrf(app, fake, 'pl-new');
    const page = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie: empty.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Your archive is empty');
    expect(page.body).toContain('Take your first snapshot');
    expect(page.body).not.toContain('Create playlist');
    const json = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie: empty.cookie, accept: 'application/json' } });
    expect(json.json()).toMatchObject({ playlists: [], dates: [] });
    const rotation = await generate(empty, { source: 'current_rotation' });
    expect(rotation.statusCode).toBe(422);
    expect(rotation.json().error.message).toBe('You have no short-term snapshot yet: take a snapshot first, then come back.');
  });
});
