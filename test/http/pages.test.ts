import Sqlite from 'better-sqlite3';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { findSpotifyTokens } from '../../src/repositories/spotify-tokens.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { localReturnPath } from '../../src/routes/plugins/session.js';
import { buildTestAppWithFake } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';
import { csrfTokenOf, logInAs, postForm, seedArchive, visit, type Visitor } from '../support/pages.js';
import { fixedClock } from '../../src/lib/clock.js';

/** Ana's archive, written by hand so every figure on her pages is known exactly. */
const ANA_TRACKS: Record<string, [string, string]> = {
  a1: ['anaTrack1', 'Nova Ana'],
  a2: ['anaTrack2', 'Nova Ana'],
  a3: ['anaTrack3', 'Other Ana'],
  a4: ['anaTrack4', 'Other Ana'],
  a5: ['anaTrack5', 'Third Ana'],
  a6: ['anaTrack6', 'Fourth Ana'],
  a7: ['anaTrack7', 'Fifth Ana'],
  a8: ['anaTrack8', 'Long Ana'],
};
const ANA_SNAPSHOTS = [
  { date: '2026-07-01', range: 'short_term' as const, tracks: ['a1', 'a2', 'a3', 'a4'] },
  { date: '2026-07-15', range: 'short_term' as const, tracks: ['a1', 'a2', 'a5'] },
  { date: '2026-07-31', range: 'short_term' as const, tracks: ['a2', 'a5', 'a6', 'a7'] },
  { date: '2026-07-31', range: 'long_term' as const, tracks: ['a1', 'a8'] },
];
const BOB_TRACKS: Record<string, [string, string]> = { b1: ['bobTrack1', 'Bob Band'], b2: ['bobTrack2', 'Bob Band'] };
/** Strings only Ana's data contains: her track ids, artists, name and snapshot dates. */
const ANA_MARKERS = ['anaTrack', 'Nova Ana', 'Other Ana', 'Long Ana', 'Ana Pages', 'pages-ana', '2026-07-15', '15 Jul 2026', '2026-07-01'];

describeEachEngine('pages: landing, home, snapshots, settings', ({ database }) => {
  const clock = fixedClock('2026-08-01T10:00:00Z');
  let fake: FakeSpotify;
  let app: FastifyInstance;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const users = [
      { id: 'pages-ana', display_name: 'Ana Pages' },
      { id: 'pages-bob', display_name: 'Bob Pages' },
      { id: 'pages-empty', display_name: 'Empty Pages', topTrackCount: 0 },
      { id: 'pages-leaver', display_name: 'Leaving Pages' },
      { id: 'pages-quitter', display_name: 'Quitting Pages' },
    ];
    ({ app, fake, close } = await buildTestAppWithFake(database(), { clock, users }, { clock, spotify: { backoffBaseMs: 1 } }));
    await seedArchive(database().db, 'pages-ana', ANA_TRACKS, ANA_SNAPSHOTS);
    await seedArchive(database().db, 'pages-bob', BOB_TRACKS, [{ date: '2026-07-20', range: 'short_term', tracks: ['b1', 'b2'] }]);
  });
  afterAll(() => close());

  describe('logged out', () => {
    it('/ is the landing page: what the app does, a sample SVG chart with its table, and "Log in with Spotify"', async () => {
      const page = await visit(app, { cookie: '' }, '/');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<h1>Your Spotify top tracks, kept for years</h1>');
      expect(page.body).toContain('<a class="button login" href="/login">Log in with Spotify</a>');
      expect(page.body).toMatch(/<svg class="chart-wide" role="img" aria-label="Sample: new tracks[^"]*"/);
      expect(page.body).toMatch(/<svg class="chart-narrow" role="img" aria-label="Sample: new tracks[^"]*"/);
      expect(page.body).toContain('<tr><td>May</td><td class="num">17</td></tr>');
      expect(page.body).not.toContain('class="main-nav"');
      const json = await visit(app, { cookie: '' }, '/', true);
      expect(json.json()).toEqual({ loggedIn: false, app: 'Music Time Machine', login: '/login', demoMode: true });
    });

    it('every protected page sends a browser to the login and a JSON caller gets the one 401', async () => {
      for (const url of ['/snapshot', '/settings', '/settings/export.json', '/settings/export.sqlite']) {
        const page = await visit(app, { cookie: '' }, url);
        expect([url, page.statusCode, page.headers.location]).toEqual([url, 302, '/login']);
        const json = await visit(app, { cookie: '' }, url, true);
        expect([url, json.statusCode, json.json()]).toEqual([url, 401, { error: { code: 'not_logged_in', message: 'Log in with Spotify first.' } }]);
      }
      for (const url of ['/snapshot', '/settings/disconnect', '/settings/delete']) {
        const post = await app.inject({ method: 'POST', url, headers: { accept: 'application/json' } });
        expect([url, post.statusCode, post.json()]).toEqual([url, 401, { error: { code: 'not_logged_in', message: 'Log in with Spotify first.' } }]);
      }
    });

    it('after the login, the visitor lands on the page first asked for; /login while logged in goes home', async () => {
      const visitor: Visitor = { cookie: '' };
      expect((await visit(app, visitor, '/settings?tab=export')).headers.location).toBe('/login');
      const { visitor: loggedIn, landedOn } = await logInAs(app, fake, 'pages-ana', visitor);
      expect(landedOn).toBe('/settings?tab=export');
      // Once only: the next login goes home.
      expect((await logInAs(app, fake, 'pages-ana')).landedOn).toBe('/');
      const again = await visit(app, loggedIn, '/login');
      expect([again.statusCode, again.headers.location]).toEqual([302, '/']);
    });

    it('a return path is a path on this site, never another origin or the login itself', () => {
      expect(localReturnPath('/settings?x=1')).toBe('/settings?x=1');
      for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'settings', '/login', '/callback?code=1', '/x\nSet-Cookie: a=b', 42, undefined]) {
        expect(localReturnPath(bad)).toBeUndefined();
      }
    });
  });

  describe('with data', () => {
    let ana: Visitor;
    beforeAll(async () => {
      ana = (await logInAs(app, fake, 'pages-ana')).visitor;
    });

    it('Home: the cards and the discovery timeline, in HTML and the same numbers as JSON', async () => {
      const json = await visit(app, ana, '/', true);
      expect(json.statusCode).toBe(200);
      expect(json.json()).toEqual({
        loggedIn: true,
        user: { displayName: 'Ana Pages', needsReauth: false },
        tracks: 8,
        snapshotDates: 3,
        snapshots: 4,
        firstSnapshot: '2026-07-01',
        lastSnapshot: '2026-07-31',
        nextSnapshotAt: '2026-08-02T04:00:00.000Z',
        turnover: { latestDate: '2026-07-31', previousDate: '2026-07-15', latestCount: 4, newCount: 2, percent: 50 },
        mostConsistentArtist: { artist: 'Nova Ana', dates: 3, ofDates: 3 },
        discoveries: [
          { date: '2026-07-01', firstSeen: 4 },
          { date: '2026-07-15', firstSeen: 1 },
          { date: '2026-07-31', firstSeen: 2 },
        ],
      });
      const page = await visit(app, ana, '/');
      expect(page.statusCode).toBe(200);
      const text = page.body.replace(/\s+/g, ' ');
      expect(text).toContain('<h2>Tracks tracked</h2> <p class="figure">8</p>');
      expect(text).toContain('<h2>Snapshot dates</h2> <p class="figure">3</p>');
      expect(text).toContain('<p class="figure">50%</p> <p>2 of the 4 tracks in your 4-week top on 31 Jul 2026 were not there on 15 Jul 2026.</p>');
      expect(text).toContain('<p class="figure figure-text">Nova Ana</p> <p>In your top 50s on 3 of your 3 snapshot dates.</p>');
      expect(text).toContain('<p class="figure figure-text">31 Jul 2026</p> <p>Next one scheduled 2 Aug 2026, 04:00 UTC (in 18 hours).</p>');
      expect(text).toContain('<span class="figure">3</span> tracks entered your 4-week top 50 for the first time after your first snapshot (1 Jul 2026, which started the archive with 4).');
      expect(text).toContain('<tr><td><time datetime="2026-07-15">15 Jul 2026</time></td><td class="num">1</td></tr>');
      expect(text).toMatch(/<svg class="chart-wide" role="img" aria-label="Tracks first seen in your 4-week top 50, per snapshot date"/);
      for (const href of ['/search', '/history', '/analytics', '/snapshot']) expect(text).toContain(`class="card-link" href="${href}"`);
      expect(text).toContain('<a href="/" aria-current="page">Home</a>');
      expect(text).toContain('<span class="user-name">Ana Pages</span>');
      // Ready for a strict Content-Security-Policy: no inline style or script, no on* handler.
      for (const url of ['/', '/snapshot', '/settings']) {
        const body = (await visit(app, ana, url)).body;
        expect([url, body.match(/ style="|<style|<script(?![^>]*\bsrc=)|\son[a-z]+="/g)]).toEqual([url, null]);
      }
    });

    it('Snapshots: where the history came from, then "Take a snapshot now" redirects with a message and a reload does not capture again', async () => {
      const before = await visit(app, ana, '/snapshot', true);
      expect(before.json()).toEqual({
        archive: { first: '2026-07-01', latest: '2026-07-31', days: 3 },
        history: { imports: [], demoMode: true },
        gaps: [],
        lastCapture: null,
        lastProblem: null,
        nextSnapshotAt: '2026-08-02T04:00:00.000Z',
        needsReauth: false,
      });
      const page = (await visit(app, ana, '/snapshot')).body.replace(/\s+/g, ' ');
      expect(page).toContain('<dd><span class="num">3</span> days of snapshots, 1 Jul 2026 to 31 Jul 2026</dd>');
      expect(page).toContain('<dt>Where it came from</dt> <dd>the demo’s generated year of history</dd>');
      expect(page).toContain('<dt>Last snapshot taken by this app</dt> <dd>none yet: the history above was not captured here</dd>');

      fake.clearRequests();
      const taken = await postForm(app, ana, '/snapshot', {}, { token: await csrfTokenOf(app, ana, '/snapshot') });
      expect([taken.statusCode, taken.headers.location]).toEqual([303, '/snapshot']);
      const shown = await visit(app, ana, '/snapshot');
      expect(shown.body).toContain('<p class="flash flash-success" role="status">Snapshot of 2026-08-01 saved: 50 short-term, 50 medium-term and 50 long-term tracks.</p>');
      expect(shown.body.replace(/\s+/g, ' ')).toContain('<dt>Where it came from</dt> <dd>snapshots taken by this app; the demo’s generated year of history</dd>');
      // The message shows once; reloading the page neither shows it again nor captures.
      const calls = fake.requests.filter((r) => r.path === '/v1/me/top/tracks').length;
      expect(calls).toBe(3);
      const reload = await visit(app, ana, '/snapshot');
      expect(reload.body).not.toContain('flash-success');
      expect(fake.requests.filter((r) => r.path === '/v1/me/top/tracks').length).toBe(3);
    });
  });

  describe('settings, export, disconnect, delete', () => {
    let ana: Visitor;
    beforeAll(async () => {
      ana = (await logInAs(app, fake, 'pages-ana')).visitor;
    });

    it('Settings: connection, counts and links, as HTML and JSON', async () => {
      const json = await visit(app, ana, '/settings', true);
      expect(json.json()).toEqual({
        spotify: { spotifyId: 'pages-ana', connected: true, needsReauth: false },
        counts: expect.objectContaining({ firstSnapshot: '2026-07-01', importRuns: 0 }),
        links: { import: '/settings/import', exportJson: '/settings/export.json', exportSqlite: '/settings/export.sqlite' },
      });
      const page = (await visit(app, ana, '/settings')).body.replace(/\s+/g, ' ');
      expect(page).toContain('Connected as <strong>Ana Pages</strong> (Spotify user <code>pages-ana</code>)');
      expect(page).toContain('<dt>First snapshot</dt><dd>1 Jul 2026</dd>');
      expect(page).toContain('href="/settings/import"');
      expect(page).toContain('<a href="/settings" aria-current="page">Settings</a>');
    });

    it('exports everything the user owns as streamed JSON, and as the tutorial\'s SQLite file', async () => {
      const user = (await findUserBySpotifyId(database().db, 'pages-ana'))!;
      const counts = (await visit(app, ana, '/settings', true)).json().counts;
      const response = await visit(app, ana, '/settings/export.json');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['content-disposition']).toBe('attachment; filename="music-time-machine-2026-08-01.json"');
      const exported = response.json();
      expect(exported.format).toBe('music-time-machine-export/v1');
      expect(exported.user).toEqual({ spotifyId: 'pages-ana', displayName: 'Ana Pages', createdAt: user.created_at.toISOString(), lastLoginAt: user.last_login_at!.toISOString() });
      expect([exported.importRuns, exported.playlists]).toEqual([[], []]);
      expect(exported.tracks).toHaveLength(counts.tracks);
      expect(exported.snapshots).toHaveLength(counts.snapshotRows);
      expect(exported.snapshots.filter((s: { snapshot_date: string }) => s.snapshot_date === '2026-07-15')).toEqual([
        { snapshot_date: '2026-07-15', time_range: 'short_term', rank: 1, track_id: 'anaTrack1' },
        { snapshot_date: '2026-07-15', time_range: 'short_term', rank: 2, track_id: 'anaTrack2' },
        { snapshot_date: '2026-07-15', time_range: 'short_term', rank: 3, track_id: 'anaTrack5' },
      ]);
      expect(exported.tracks.find((t: { track_id: string }) => t.track_id === 'anaTrack1')).toMatchObject({ name: 'Song anaTrack1', artist_name: 'Nova Ana' });
      expect(JSON.stringify(exported)).not.toMatch(/token/i);

      const sqlite = await visit(app, ana, '/settings/export.sqlite');
      expect(sqlite.statusCode).toBe(200);
      expect(sqlite.headers['content-disposition']).toBe('attachment; filename="music_time_machine.db"');
      const folder = await mkdtemp(join(tmpdir(), 'pages-export-'));
      try {
        await writeFile(join(folder, 'out.db'), sqlite.rawPayload);
        const file = new Sqlite(join(folder, 'out.db'), { readonly: true });
        expect(file.prepare('select count(*) as n from snapshots').get()).toEqual({ n: counts.snapshotRows });
        expect(file.prepare('select count(*) as n from tracks').get()).toEqual({ n: counts.tracks });
        expect(file.prepare("select track_id, rank from snapshots where snapshot_date = '2026-07-15' order by rank").all()).toEqual([
          { track_id: 'anaTrack1', rank: 1 },
          { track_id: 'anaTrack2', rank: 2 },
          { track_id: 'anaTrack5', rank: 3 },
        ]);
        file.close();
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('bad input to the account actions is a 4xx with a clear message, and nothing is written', async () => {
      const user = (await findUserBySpotifyId(database().db, 'pages-ana'))!;
      const before = (await visit(app, ana, '/settings', true)).json();
      const token = await csrfTokenOf(app, ana);
      const cases: Array<{ fields?: Record<string, string>; body?: string; type?: string; status: number; message: string | RegExp }> = [
        { fields: { confirm: 'delete' }, status: 400, message: 'Nothing was deleted: type "delete my data" in the box to confirm.' },
        { fields: { confirm: "delete my data'; DROP TABLE snapshots; --" }, status: 400, message: 'Nothing was deleted: type "delete my data" in the box to confirm.' },
        { fields: { confirm: 'x'.repeat(10_000) }, status: 400, message: 'body/confirm must NOT have more than 200 characters' },
        { fields: {}, status: 400, message: "body must have required property 'confirm'" },
        { body: JSON.stringify({ _csrf: token, confirm: 5 }), type: 'application/json', status: 400, message: 'Nothing was deleted: type "delete my data" in the box to confirm.' },
        { body: JSON.stringify({ _csrf: token, confirm: { text: 'delete my data' } }), type: 'application/json', status: 400, message: 'body/confirm must be string' },
        { body: '{"confirm": ', type: 'application/json', status: 400, message: /JSON/ },
      ];
      for (const c of cases) {
        const response = await app.inject({
          method: 'POST',
          url: '/settings/delete',
          headers: { cookie: ana.cookie, accept: 'application/json', 'content-type': c.type ?? 'application/x-www-form-urlencoded' },
          payload: c.body ?? new URLSearchParams({ _csrf: token, ...c.fields }).toString(),
        });
        expect(response.statusCode).toBe(c.status);
        expect(response.json().error.message).toMatch(c.message);
      }
      // The HTML form shows the same message on the settings page, with a 400.
      const page = await postForm(app, ana, '/settings/delete', { confirm: 'nope' }, { token });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('Nothing was deleted: type &quot;delete my data&quot; in the box to confirm.');
      // Without the CSRF token: refused.
      for (const url of ['/settings/delete', '/settings/disconnect']) {
        const refused = await app.inject({ method: 'POST', url, headers: { cookie: ana.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'confirm=delete+my+data' });
        expect([url, refused.statusCode]).toEqual([url, 403]);
      }
      // "Take a snapshot now" with a body of the wrong shape: a 400, and Spotify is not even asked.
      fake.clearRequests();
      for (const payload of ['[1, 2]', '{"_csrf": {"x": 1}}', '"text"']) {
        const wrong = await app.inject({ method: 'POST', url: '/snapshot', headers: { cookie: ana.cookie, accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': token }, payload });
        expect([payload, wrong.statusCode, wrong.json().error.code]).toEqual([payload, 400, 'FST_ERR_VALIDATION']);
      }
      expect(fake.requests).toEqual([]);
      expect((await visit(app, ana, '/settings', true)).json()).toEqual(before);
      expect(await findSpotifyTokens(database().db, user.id)).toBeDefined();
    });

    it('disconnect forgets the tokens, stops captures and ends the session; the archive stays', async () => {
      await seedArchive(database().db, 'pages-leaver', { l1: ['leaverTrack1', 'Leaver Band'] }, [{ date: '2026-07-30', range: 'short_term', tracks: ['l1'] }]);
      const leaver = (await logInAs(app, fake, 'pages-leaver')).visitor;
      const user = (await findUserBySpotifyId(database().db, 'pages-leaver'))!;
      expect(await findSpotifyTokens(database().db, user.id)).toBeDefined();
      const done = await postForm(app, leaver, '/settings/disconnect');
      expect([done.statusCode, done.headers.location]).toEqual([303, '/']);
      expect(await findSpotifyTokens(database().db, user.id)).toBeUndefined();
      const home = await visit(app, leaver, '/');
      expect(home.body).toContain('<p class="flash flash-success" role="status">Spotify is disconnected:');
      expect(home.body).toContain('Log in with Spotify');
      expect((await visit(app, leaver, '/settings')).headers.location).toBe('/login');
      expect(await findUserBySpotifyId(database().db, 'pages-leaver')).toBeDefined();
      // Logging in again reconnects, and the archive is still there.
      const back = (await logInAs(app, fake, 'pages-leaver')).visitor;
      expect((await visit(app, back, '/settings', true)).json()).toMatchObject({ spotify: { connected: true }, counts: { snapshotRows: 1 } });
    });

    it('delete all my data removes the user and everything they own, keeps the shared catalogue, and ends the session', async () => {
      await seedArchive(database().db, 'pages-quitter', { q1: ['quitterTrack1', 'Quit Band'], q2: ['quitterTrack2', 'Quit Band'] }, [
        { date: '2026-07-30', range: 'short_term', tracks: ['q1', 'q2'] },
      ]);
      const quitter = (await logInAs(app, fake, 'pages-quitter')).visitor;
      const user = (await findUserBySpotifyId(database().db, 'pages-quitter'))!;
      await database().db.insertInto('import_runs').values({ user_id: user.id, source_sha256: 'x', source_name: 'old.db', status: 'succeeded', counts: '{}' }).execute();
      await database().db.insertInto('playlists').values({ user_id: user.id, spotify_playlist_id: 'pl1', name: 'Old', source: 'snapshot', parameters: '{}', track_count: 2 }).execute();
      const done = await postForm(app, quitter, '/settings/delete', { confirm: '  Delete My Data ' });
      expect([done.statusCode, done.headers.location]).toEqual([303, '/']);
      const db = database().db;
      const left = await Promise.all(
        (['snapshots', 'playlists', 'import_runs', 'spotify_tokens', 'capture_status'] as const).map(async (table) =>
          Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).where('user_id', '=', user.id).executeTakeFirstOrThrow()).n),
        ),
      );
      expect(left).toEqual([0, 0, 0, 0, 0]);
      expect(await findUserBySpotifyId(db, 'pages-quitter')).toBeUndefined();
      expect(await db.selectFrom('tracks').select('track_id').where('track_id', 'in', ['quitterTrack1', 'quitterTrack2']).orderBy('track_id').execute()).toEqual([
        { track_id: 'quitterTrack1' },
        { track_id: 'quitterTrack2' },
      ]);
      const home = await visit(app, quitter, '/');
      expect(home.body).toContain('All your data is deleted');
      expect((await visit(app, quitter, '/settings', true)).statusCode).toBe(401);
    });
  });

  describe('isolation', () => {
    it('Bob sees none of Ana\'s tracks, artists or snapshots on any page, JSON answer or export', async () => {
      const bob = (await logInAs(app, fake, 'pages-bob')).visitor;
      const seen: string[] = [];
      for (const url of ['/', '/snapshot', '/settings', '/settings/export.json', '/settings/export.sqlite']) {
        for (const json of [false, true]) {
          const response = await visit(app, bob, url, json);
          expect([url, response.statusCode]).toEqual([url, 200]);
          seen.push(url);
          const body = response.rawPayload.toString('latin1');
          for (const marker of ANA_MARKERS) expect([url, json, body.includes(marker)]).toEqual([url, json, false]);
        }
      }
      expect(seen).toHaveLength(10);
      const home = (await visit(app, bob, '/', true)).json();
      expect(home).toMatchObject({ tracks: 2, snapshotDates: 1, mostConsistentArtist: { artist: 'Bob Band', dates: 1, ofDates: 1 } });
      const exported = (await visit(app, bob, '/settings/export.json')).json();
      expect(exported.tracks.map((t: { track_id: string }) => t.track_id)).toEqual(['bobTrack1', 'bobTrack2']);
    });
  });

  describe('files', () => {
    it('serves the favicon (also at /favicon.ico), the stylesheet, the Spotify icon and htmx; the demo page explains demo mode', async () => {
      const ico = await app.inject({ method: 'GET', url: '/favicon.ico' });
      expect([ico.statusCode, ico.headers.location]).toEqual([301, '/static/favicon.svg']);
      for (const [url, type] of [
        ['/static/favicon.svg', 'image/svg+xml'],
        ['/static/spotify-icon.svg', 'image/svg+xml'],
        ['/static/app.css', 'text/css; charset=utf-8'],
        ['/static/vendor/htmx.min.js', 'application/javascript; charset=utf-8'],
      ] as const) {
        const file = await app.inject({ method: 'GET', url });
        expect([url, file.statusCode, file.headers['content-type']]).toEqual([url, 200, type]);
      }
      expect((await app.inject({ method: 'GET', url: '/static/vendor/htmx.js' })).statusCode).toBe(404);
      const about = await app.inject({ method: 'GET', url: '/about/demo' });
      expect(about.body).toContain('<code>SPOTIFY_CLIENT_ID</code>, <code>SPOTIFY_CLIENT_SECRET</code> and <code>SPOTIFY_REDIRECT_URI</code>');
      expect((await app.inject({ method: 'GET', url: '/about/demo', headers: { accept: 'application/json' } })).json()).toEqual({
        demoMode: true,
        readmeSection: 'README.md#spotify-and-demo-mode',
        variables: ['SPOTIFY_CLIENT_ID', 'SPOTIFY_CLIENT_SECRET', 'SPOTIFY_REDIRECT_URI'],
      });
    });
  });

  describe('with no data', () => {
    let empty: Visitor;
    beforeAll(async () => {
      empty = (await logInAs(app, fake, 'pages-empty')).visitor;
    });

    it('Home, Snapshots and Settings show "Take your first snapshot" with its button; JSON has zeros and nulls', async () => {
      for (const url of ['/', '/snapshot', '/settings']) {
        const page = await visit(app, empty, url);
        expect([url, page.statusCode]).toEqual([url, 200]);
        expect(page.body).toContain('<button type="submit">Take your first snapshot</button>');
      }
      expect((await visit(app, empty, '/', true)).json()).toMatchObject({
        tracks: 0,
        snapshotDates: 0,
        snapshots: 0,
        firstSnapshot: null,
        lastSnapshot: null,
        turnover: null,
        mostConsistentArtist: null,
        discoveries: [],
      });
      expect((await visit(app, empty, '/settings', true)).json()).toEqual({
        spotify: { spotifyId: 'pages-empty', connected: true, needsReauth: false },
        counts: { tracks: 0, snapshots: 0, snapshotRows: 0, dates: 0, firstSnapshot: null, lastSnapshot: null, importRuns: 0 },
        links: { import: '/settings/import', exportJson: '/settings/export.json', exportSqlite: '/settings/export.sqlite' },
      });
      const exported = (await visit(app, empty, '/settings/export.json')).json();
      expect([exported.tracks, exported.snapshots, exported.playlists]).toEqual([[], [], []]);
    });
  });
});
