import { describe, expect, it } from 'vitest';
import { recordCaptureFailure, recordCaptureSuccess, recordNeedsReauth } from '../../src/repositories/capture-status.js';
import { upsertSpotifyTokens } from '../../src/repositories/spotify-tokens.js';
import { recordSpotifyAuthorization, upsertUser } from '../../src/repositories/users.js';
import { daysLeft, spotifyAccessDeadline } from '../../src/services/spotify-access.js';
import { embeddedDataDir, runMtm } from '../support/cli.js';

// The command runs on the system clock: authorization times are set relative to it, half a day
// off a whole number of days, so the days left cannot change while the test runs.
const DAY = 86_400_000;
const okAuthorizedAt = new Date(Date.now() - 170 * DAY - DAY / 2);
const revokedAuthorizedAt = new Date(Date.now() - 200 * DAY - DAY / 2);
const accessLine = (at: Date) => {
  const left = daysLeft(at, new Date());
  const date = spotifyAccessDeadline(at).toISOString().slice(0, 10);
  return left < 0 ? `  access until: ${date} (expired: the user must log in again)` : `  access until: ${date} (${left} day${left === 1 ? '' : 's'} left)`;
};

describe('mtm snapshot', () => {
  // An archive with one user in each situation --status must explain.
  const data = embeddedDataDir('mtm-snapshot-cli-', async (db) => {
    const token = { accessTokenEnc: 'v1.x', refreshTokenEnc: 'v1.y', expiresAt: new Date('2030-01-01T00:00:00Z'), scope: 'user-top-read', at: new Date('2026-01-01T00:00:00Z') };
    const ok = await upsertUser(db, { spotifyId: 'cli-ok' });
    await upsertSpotifyTokens(db, { userId: ok.id, ...token });
    await recordSpotifyAuthorization(db, ok.id, okAuthorizedAt);
    await recordCaptureSuccess(db, ok.id, { at: new Date('2026-09-01T04:00:05Z'), date: '2026-09-01', counts: { short_term: 50, medium_term: 50, long_term: 12 } });
    const waiting = await upsertUser(db, { spotifyId: 'cli-waiting' });
    await upsertSpotifyTokens(db, { userId: waiting.id, ...token });
    await recordCaptureFailure(db, waiting.id, {
      at: new Date('2026-09-01T04:00:07Z'),
      code: 'spotify_rate_limited',
      message: 'Spotify is rate limiting this app (GET /me/top/tracks); try again after 2026-09-01T06:00:07.000Z.',
      state: 'deferred',
      nextRunAt: new Date('2026-09-01T06:00:07Z'),
      attempts: 0,
    });
    const revoked = await upsertUser(db, { spotifyId: 'cli-revoked' });
    await upsertSpotifyTokens(db, { userId: revoked.id, ...token });
    await recordSpotifyAuthorization(db, revoked.id, revokedAuthorizedAt);
    await recordNeedsReauth(db, revoked.id, { at: new Date('2026-09-01T04:00:09Z'), code: 'spotify_reauth_required', message: 'Please log in with Spotify again.' });
    const empty = await upsertUser(db, { spotifyId: 'cli-empty' });
    await upsertSpotifyTokens(db, { userId: empty.id, ...token });
    await recordCaptureSuccess(db, empty.id, { at: new Date('2026-09-01T04:00:10Z'), date: '2026-09-01', counts: { short_term: 0, medium_term: 0, long_term: 0 } });
  });

  it('--status lists users by days of Spotify access left, with last success, last error and next run', async () => {
    const { code, out, err } = await runMtm(['snapshot', '--status'], data.env);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const next = out.find((l) => l.includes('next run') && /T04:00:00\.000Z/.test(l));
    expect(next).toBeDefined();
    const nextDaily = next!.trim().replace('next run:     ', '');
    const unknown = "  access until: unknown (no login recorded since Spotify's 6-month limit was tracked)";
    expect(out).toEqual([
      `database: ${data.dir}`,
      'schedule: 0 4 * * * (UTC)',
      'cli-revoked  state: needs_reauth',
      '  last success: never',
      '  last error:   2026-09-01T04:00:09.000Z spotify_reauth_required: Please log in with Spotify again.',
      '  next run:     after the user logs in again',
      accessLine(revokedAuthorizedAt),
      'cli-ok  state: idle',
      '  last success: 2026-09-01 (50/50/12 tracks)',
      '  last error:   none',
      `  next run:     ${nextDaily}`,
      accessLine(okAuthorizedAt),
      'cli-waiting  state: deferred',
      '  last success: never',
      '  last error:   2026-09-01T04:00:07.000Z spotify_rate_limited: Spotify is rate limiting this app (GET /me/top/tracks); try again after 2026-09-01T06:00:07.000Z.',
      '  next run:     2026-09-01T06:00:07.000Z',
      unknown,
      'cli-empty  state: idle',
      '  last success: 2026-09-01 (nothing to capture)',
      '  last error:   none',
      `  next run:     ${nextDaily}`,
      unknown,
    ]);
    expect(accessLine(okAuthorizedAt)).toMatch(/ \((11|12|13) days left\)$/);
    expect(accessLine(revokedAuthorizedAt)).toMatch(/\(expired: the user must log in again\)$/);
  });

  it('--status --json --user gives one user as JSON', async () => {
    const { code, out } = await runMtm(['snapshot', '--status', '--json', '--user', 'cli-waiting'], data.env);
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({
      database: data.dir,
      cron: '0 4 * * *',
      users: [
        {
          user: 'cli-waiting',
          state: 'deferred',
          needs_reauth: false,
          has_token: true,
          last_success: null,
          last_error: {
            at: '2026-09-01T04:00:07.000Z',
            code: 'spotify_rate_limited',
            message: 'Spotify is rate limiting this app (GET /me/top/tracks); try again after 2026-09-01T06:00:07.000Z.',
          },
          attempts: 0,
          next_run: '2026-09-01T06:00:07.000Z',
          spotify_access: null,
        },
      ],
    });
  });

  it('--status --json gives the Spotify access deadline and days left', async () => {
    const { code, out } = await runMtm(['snapshot', '--status', '--json', '--user', 'cli-ok'], data.env);
    expect(code).toBe(0);
    const [user] = (JSON.parse(out.join('\n')) as { users: { spotify_access: unknown }[] }).users;
    expect(user!.spotify_access).toEqual({
      authorized_at: okAuthorizedAt.toISOString(),
      deadline: spotifyAccessDeadline(okAuthorizedAt).toISOString(),
      days_left: daysLeft(okAuthorizedAt, new Date()),
    });
  });

  it('refuses bad calls with one readable line and a non-zero exit', async () => {
    expect(await runMtm(['snapshot'], data.env)).toEqual({
      code: 2,
      out: [],
      err: ['mtm snapshot: say which: --user SPOTIFY_ID, --all, or --status. Run `mtm snapshot --help`.'],
    });
    expect(await runMtm(['snapshot', '--all', '--user', 'x'], data.env)).toMatchObject({ code: 2, err: ['mtm snapshot: --all and --user cannot be combined. Run `mtm snapshot --help`.'] });
    expect(await runMtm(['snapshot', '--status', '--user', 'nobody'], data.env)).toEqual({
      code: 1,
      out: [],
      err: ['mtm snapshot: no user with Spotify id "nobody" (a user appears after their first login)'],
    });
    // Demo mode's offline Spotify lives in the app process; the CLI cannot capture for it.
    const demo = await runMtm(['snapshot', '--all'], data.env);
    expect(demo.code).toBe(2);
    expect(demo.err[0]).toMatch(/^mtm snapshot: demo mode has no real Spotify: captures run inside the app/);
    const help = await runMtm(['snapshot', '--help'], data.env);
    expect(help.code).toBe(0);
    expect(help.out[0]).toMatch(/^mtm snapshot \(--user SPOTIFY_ID \| --all \| --status/);
  });
});
