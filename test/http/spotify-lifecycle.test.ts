import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { listArchiveGaps } from '../../src/repositories/access-lapses.js';
import { claimScheduledCaptures } from '../../src/repositories/capture-status.js';
import { findSpotifyTokens } from '../../src/repositories/spotify-tokens.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { captureStatusReport, runCapture } from '../../src/services/capture-runs.js';
import { approveOnFake, buildTestAppWithFake } from '../support/app.js';
import { cookieFrom } from '../support/cookies.js';
import { describeEachEngine } from '../support/databases.js';
import { settableClock } from '../support/clock.js';

/**
 * A user's whole life with Spotify's 2026 rule, over HTTP against the fake with a jumped clock:
 * login, daily captures refreshing without rotation, the reconnect banner two weeks before the
 * six-month mark, expiry (needs_reauth, captures stop, no retries, the gap shown), re-login
 * (captures resume, the six months start again).
 */
describeEachEngine('Spotify access lifecycle (6-month refresh tokens) through HTTP on the fake', ({ database }) => {
  const clock = settableClock('2026-01-10T08:00:00Z');
  let app: FastifyInstance;
  let deps: Deps;
  let fake: FakeSpotify;
  let close: () => Promise<void>;
  let userId: number;
  let session = '';

  beforeAll(async () => {
    ({ app, deps, fake, close } = await buildTestAppWithFake(database(), { clock, users: [{ id: 'life-lena', display_name: 'Lena Lifecycle' }] }, { clock }));
  });
  afterAll(() => close());

  async function login(): Promise<string> {
    const start = await app.inject({ method: 'GET', url: '/login' });
    const authorize = new URL(start.headers.location as string);
    const { callback } = await approveOnFake(fake, authorize.search, 'life-lena');
    const done = await app.inject({ method: 'GET', url: callback, headers: { cookie: cookieFrom(start) } });
    expect(done.statusCode).toBe(302);
    return cookieFrom(done);
  }

  /** The daily schedule at 04:00 UTC: claim the day's users, then run each claimed capture. */
  async function dailyRun(date: string): Promise<string[]> {
    clock.set(new Date(`${date}T04:00:00Z`));
    const claimed = (await claimScheduledCaptures(deps.database.db, date)).filter((id) => id === userId);
    const outcomes: string[] = [];
    for (const id of claimed) outcomes.push((await runCapture(deps.capture, id, { mode: 'scheduled' })).kind);
    return outcomes;
  }
  const days = (from: string, count: number) =>
    Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  const page = async (url: string) => (await app.inject({ method: 'GET', url, headers: { cookie: session } })).body;
  const storedRefreshToken = async () => deps.tokenCipher.decrypt((await findSpotifyTokens(deps.database.db, userId))!.refresh_token_enc);
  const snapshotDates = async () =>
    (await deps.database.db.selectFrom('snapshots').select('snapshot_date').distinct().where('user_id', '=', userId).orderBy('snapshot_date').execute()).map((r) => r.snapshot_date);
  const BANNER = 'Reconnect Spotify by 2026-07-10 to keep your daily snapshots';

  it('login stores the authorization time and captures at once', async () => {
    session = await login();
    const user = (await findUserBySpotifyId(deps.database.db, 'life-lena'))!;
    userId = user.id;
    expect(user.spotify_authorized_at!.toISOString()).toBe('2026-01-10T08:00:00.000Z');
    expect(await snapshotDates()).toEqual(['2026-01-10']);
  });

  it('daily captures refresh the access token without rotation: the stored refresh token stays the original', async () => {
    const original = await storedRefreshToken();
    fake.clearRequests();
    expect(await dailyRun('2026-01-11')).toEqual(['captured']);
    expect(await dailyRun('2026-01-12')).toEqual(['captured']);
    expect(fake.requests.filter((r) => r.path === '/api/token').map((r) => `${(r.body as Record<string, string>).grant_type} ${r.status}`)).toEqual([
      'refresh_token 200',
      'refresh_token 200',
    ]);
    expect(await storedRefreshToken()).toBe(original);
    expect(await page('/')).not.toContain('Reconnect Spotify');
  });

  it('shows the reconnect banner on every page from 14 days before the six-month mark', async () => {
    for (const day of days('2026-06-25', 2)) expect(await dailyRun(day)).toEqual(['captured']);
    clock.set('2026-06-26T07:59:59Z');
    expect(await page('/')).not.toContain(BANNER);
    clock.set('2026-06-26T08:00:00Z');
    for (const url of ['/', '/snapshot']) {
      const html = await page(url);
      expect(html).toContain(BANNER);
      expect(html).toContain('<a class="button" href="/login">Reconnect Spotify</a>');
    }
    const [status] = await captureStatusReport(deps.database.db, { cron: deps.config.snapshotCron, now: clock.now(), userId });
    expect([status!.access_deadline!.toISOString(), status!.days_left]).toEqual(['2026-07-10T08:00:00.000Z', 14]);
    // Captures go on until the mark: the last one at 04:00 on its day.
    for (const day of days('2026-06-27', 14)) expect(await dailyRun(day)).toEqual(['captured']);
  });

  it('after the mark the refresh is refused once: needs_reauth, no retries, captures stop, the gap is shown', async () => {
    fake.clearRequests();
    expect(await dailyRun('2026-07-11')).toEqual(['needs_reauth']);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /api/token 400']);
    const user = (await findUserBySpotifyId(deps.database.db, 'life-lena'))!;
    expect(user.needs_reauth).toBe(true);
    const [status] = await captureStatusReport(deps.database.db, { cron: deps.config.snapshotCron, now: clock.now(), userId });
    expect([status!.state, status!.next_run, status!.attempts, status!.last_error_code]).toEqual(['needs_reauth', null, 0, 'spotify_reauth_required']);

    // The next days' schedule does not claim the user: no job, no call to Spotify.
    expect(await dailyRun('2026-07-12')).toEqual([]);
    expect(fake.requests).toHaveLength(1);

    expect(await listArchiveGaps(deps.database.db, userId)).toEqual([
      { from: '2026-07-11', to: null, cause: 'expired', lapsedAt: new Date('2026-07-11T04:00:00Z'), restoredAt: null },
    ]);
    const snapshots = await page('/snapshot');
    expect(snapshots).toContain('no snapshots since 2026-07-11: Spotify access has expired');
    expect(await page('/')).toContain('Spotify access expired on 2026-07-10: your daily snapshots have stopped.');
  });

  it('re-login keeps the archive, resumes captures at once and renews the six months', async () => {
    clock.set('2026-07-13T12:00:00Z');
    session = await login();
    const user = (await findUserBySpotifyId(deps.database.db, 'life-lena'))!;
    expect([user.id, user.needs_reauth, user.spotify_authorized_at!.toISOString()]).toEqual([userId, false, '2026-07-13T12:00:00.000Z']);
    const home = await page('/');
    expect(home).not.toContain('Reconnect Spotify');
    expect(home).not.toContain('daily snapshots have stopped');

    expect(await dailyRun('2026-07-14')).toEqual(['captured']);
    expect(await snapshotDates()).toEqual(['2026-01-10', '2026-01-11', '2026-01-12', ...days('2026-06-25', 16), '2026-07-13', '2026-07-14']);
    expect(await listArchiveGaps(deps.database.db, userId)).toEqual([
      { from: '2026-07-11', to: '2026-07-12', cause: 'expired', lapsedAt: new Date('2026-07-11T04:00:00Z'), restoredAt: new Date('2026-07-13T12:00:00Z') },
    ]);
    expect(await page('/snapshot')).toContain('no snapshots from 2026-07-11 to 2026-07-12: Spotify access had expired');
    const [status] = await captureStatusReport(deps.database.db, { cron: deps.config.snapshotCron, now: clock.now(), userId });
    expect([status!.state, status!.access_deadline!.toISOString(), status!.days_left]).toEqual(['idle', '2027-01-13T12:00:00.000Z', 183]);
  });
});
