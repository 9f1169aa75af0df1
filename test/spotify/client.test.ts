import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { parseRetryAfter, type SpotifyClientOptions } from '../../src/spotify/client.js';
import {
  SpotifyRateLimitedError,
  SpotifyReauthRequiredError,
  SpotifyRequestError,
  SpotifyResponseError,
  SpotifyUnauthorizedError,
  SpotifyUnavailableError,
  SpotifyUserNotRegisteredError,
} from '../../src/spotify/errors.js';
import { fakeSpotifyClient } from '../support/spotify-client.js';

let fake: FakeSpotify;
beforeAll(async () => {
  fake = await startFakeSpotify({ users: [{ id: 'ana', display_name: 'Ana' }, { id: 'ben', display_name: 'Ben', topTrackCount: 12 }] });
});
afterAll(() => fake.stop());
afterEach(() => {
  fake.faults.clear();
  fake.clearRequests();
});

function client(overrides: Partial<SpotifyClientOptions> = {}) {
  const sleeps: number[] = [];
  const c = fakeSpotifyClient(fake, {
    maxInProcessWaitSeconds: 30,
    backoffBaseMs: 5,
    // Waits are recorded, not slept: the client's decisions are what these tests check.
    sleep: async (ms) => void sleeps.push(ms),
    ...overrides,
  });
  return { c, sleeps };
}

describe('Spotify client against the fake Spotify over HTTP', () => {
  it('reads the profile and a full page of 50 top tracks without popularity', async () => {
    const { c } = client();
    const tokens = fake.issueTokens('ana');
    expect(await c.getMe(tokens.access_token)).toMatchObject({ id: 'ana', display_name: 'Ana', account_id: 'acct-ana' });
    const page = await c.getTopTracks(tokens.access_token, 'short_term', { limit: 50, offset: 0 });
    expect(page.items).toHaveLength(50);
    expect(page.total).toBe(50);
    expect(page.next).toBeNull();
    expect(page.items[0]).not.toHaveProperty('popularity');
    expect(page.items[0]).toHaveProperty('preview_url', null);
    const request = fake.requests.find((r) => r.path === '/v1/me/top/tracks')!;
    expect(request.query).toEqual({ time_range: 'short_term', limit: '50', offset: '0' });
  });

  it('accepts a page with local files (id: null) instead of failing it', async () => {
    fake.addUser({ id: 'lou', display_name: 'Lou', topTrackCount: 10, localFiles: 2 });
    const { c } = client();
    const page = await c.getTopTracks(fake.issueTokens('lou').access_token, 'short_term', { limit: 50 });
    expect(page.items.map((t) => t.id === null)).toEqual([false, true, false, true, false, false, false, false, false, false, false, false]);
    expect(page.items[1]).toMatchObject({ id: null, is_local: true, name: 'Home Recording 1', uri: 'spotify:local:lou:Local+Files:Home+Recording+1:180' });
  });

  it('returns a short account\'s 12 tracks', async () => {
    const { c } = client();
    const page = await c.getTopTracks(fake.issueTokens('ben').access_token, 'long_term');
    expect(page.items).toHaveLength(12);
    expect(page.total).toBe(12);
  });

  it('creates a private playlist and adds 230 items in calls of 100, 100 and 30', async () => {
    const { c } = client();
    const token = fake.issueTokens('ana').access_token;
    const playlist = await c.createPlaylist(token, { name: 'Forgotten Gems', description: 'from the archive' });
    const tracks = fake.catalogue.tracks.slice(0, 230).map((t) => `spotify:track:${t.id}`);
    const result = await c.addPlaylistItems(token, playlist.id, tracks);
    expect(result.calls).toBe(3);
    const stored = fake.playlists('ana').find((p) => p.id === playlist.id)!;
    expect(stored).toMatchObject({ name: 'Forgotten Gems', public: false, items: tracks });
    const adds = fake.requests.filter((r) => r.path === `/v1/playlists/${playlist.id}/items`);
    expect(adds.map((r) => (r.body as { uris: string[] }).uris.length)).toEqual([100, 100, 30]);
    expect(fake.requests.map((r) => r.path).filter((p) => p.includes('/users/') || p.endsWith('/tracks') && p.includes('/playlists/'))).toEqual([]);
  });

  it('waits out a short 429 (Retry-After 2) and then succeeds', async () => {
    const { c, sleeps } = client();
    fake.faults.add({ path: '/v1/me', status: 429, retryAfter: 2, times: 1 });
    expect((await c.getMe(fake.issueTokens('ana').access_token)).id).toBe('ana');
    expect(sleeps).toEqual([2000]);
    expect(fake.requests.filter((r) => r.path === '/v1/me').map((r) => r.status)).toEqual([429, 200]);
  });

  it('fails a long 429 (Retry-After 3600) at once with the time it may retry', async () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const { c, sleeps } = client({ clock: { now: () => now } });
    fake.faults.add({ path: '/v1/me/top/tracks', status: 429, retryAfter: 3600 });
    const error = await c.getTopTracks(fake.issueTokens('ana').access_token, 'short_term').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyRateLimitedError);
    expect((error as SpotifyRateLimitedError).retryAfterSeconds).toBe(3600);
    expect((error as SpotifyRateLimitedError).retryAt.toISOString()).toBe('2026-03-01T11:00:00.000Z');
    expect(sleeps).toEqual([]);
    expect(fake.requests.filter((r) => r.path === '/v1/me/top/tracks')).toHaveLength(1);
  });

  it('retries a 503 then a 500 with growing jittered backoff, then succeeds', async () => {
    const { c, sleeps } = client({ random: () => 0.5 });
    fake.faults.add({ path: '/v1/me', status: 503, times: 1 });
    fake.faults.add({ path: '/v1/me', status: 500, times: 1 });
    expect((await c.getMe(fake.issueTokens('ana').access_token)).id).toBe('ana');
    expect(sleeps).toEqual([3, 5]); // 0.5 x 5 ms x 2^0 (rounded), 0.5 x 5 ms x 2^1
    expect(fake.requests.filter((r) => r.path === '/v1/me').map((r) => r.status)).toEqual([503, 500, 200]);
  });

  it('gives up after the bounded retries with SpotifyUnavailableError', async () => {
    const { c, sleeps } = client({ maxRetries: 2 });
    fake.faults.add({ path: '/v1/me', status: 502 });
    const error = await c.getMe(fake.issueTokens('ana').access_token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyUnavailableError);
    expect((error as Error).message).toContain('GET /me');
    expect(sleeps).toHaveLength(2);
    expect(fake.requests.filter((r) => r.path === '/v1/me')).toHaveLength(3);
  });

  it('treats a slow answer as a timeout, retries, and fails with SpotifyUnavailableError', async () => {
    const { c } = client({ requestTimeoutMs: 100, maxRetries: 1 });
    fake.faults.add({ path: '/v1/me', delayMs: 400 });
    const error = await c.getMe(fake.issueTokens('ana').access_token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyUnavailableError);
    expect((error as Error).message).toContain('no answer within 100 ms');
    expect(fake.requests.filter((r) => r.path === '/v1/me')).toHaveLength(2);
  });

  it('reports a network error (nothing listening) as SpotifyUnavailableError after retrying', async () => {
    const closed = await new Promise<number>((done) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => done(port));
      });
    });
    const { c, sleeps } = client({ apiUrl: `http://127.0.0.1:${closed}/v1`, maxRetries: 1 });
    const error = await c.getMe('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyUnavailableError);
    expect((error as Error).message).toContain('(ECONNREFUSED)');
    expect(sleeps).toHaveLength(1);
  });

  it('never re-sends a playlist change after a 500 or a timeout (it may have been applied), but does after a 503', async () => {
    const { c } = client({ requestTimeoutMs: 150 });
    const token = fake.issueTokens('ana').access_token;
    fake.faults.add({ path: '/v1/me/playlists', status: 500, times: 1 });
    await expect(c.createPlaylist(token, { name: 'Once' })).rejects.toBeInstanceOf(SpotifyUnavailableError);
    expect(fake.requests.filter((r) => r.path === '/v1/me/playlists')).toHaveLength(1);

    fake.faults.add({ path: '/v1/me/playlists', status: 503, times: 1 });
    const playlist = await c.createPlaylist(token, { name: 'Twice' });
    expect(fake.requests.filter((r) => r.path === '/v1/me/playlists').map((r) => r.status)).toEqual([500, 503, 201]);

    fake.faults.add({ path: `/v1/playlists/${playlist.id}/items`, delayMs: 400, times: 1 });
    const uri = `spotify:track:${fake.catalogue.tracks[0]!.id}`;
    const error = await c.addPlaylistItems(token, playlist.id, [uri]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyUnavailableError);
    expect(fake.requests.filter((r) => r.path.endsWith('/items'))).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 400)); // the slow request lands late, as it would on Spotify
    expect(fake.playlists('ana').find((p) => p.id === playlist.id)!.items).toEqual([uri]);
  });

  it('names the endpoint when a body is not JSON or misses fields', async () => {
    const { c } = client();
    const token = fake.issueTokens('ana').access_token;
    fake.faults.add({ path: '/v1/me/top/tracks', body: '{"items": [', times: 1 });
    await expect(c.getTopTracks(token, 'short_term')).rejects.toThrow(
      new SpotifyResponseError('GET /me/top/tracks', 'the body is not JSON'),
    );
    fake.faults.add({ path: '/v1/me/top/tracks', body: JSON.stringify({ href: 'x', items: [{ id: 'a' }], limit: 50, next: null, offset: 0, previous: null, total: 1 }), times: 1 });
    const error = await c.getTopTracks(token, 'short_term').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyResponseError);
    expect((error as Error).message).toMatch(/^Spotify sent an unexpected response for GET \/me\/top\/tracks: \/items\/0/);
  });

  it('reports an expired access token as SpotifyUnauthorizedError (callers refresh)', async () => {
    const { c } = client();
    const token = fake.issueTokens('ana').access_token;
    fake.expireAccessTokens('ana');
    await expect(c.getMe(token)).rejects.toThrow(new SpotifyUnauthorizedError('GET /me', 'The access token expired'));
  });

  it('refreshes without rotation (2026): no new refresh token, and the original keeps working', async () => {
    const { c } = client();
    const first = fake.issueTokens('ana');
    const second = await c.refreshToken(first.refresh_token);
    expect(second.refresh_token).toBeUndefined();
    expect((await c.getMe(second.access_token)).id).toBe('ana');
    const third = await c.refreshToken(first.refresh_token);
    expect((await c.getMe(third.access_token)).id).toBe('ana');
  });

  it('reports a refresh token past its 6 months as SpotifyReauthRequiredError naming the expiry', async () => {
    const { c } = client();
    const tokens = fake.issueTokens('ana', { authorizedAt: new Date(Date.now() - 200 * 86_400_000) });
    const error = await c.refreshToken(tokens.refresh_token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyReauthRequiredError);
    expect(((error as Error).cause as Error).message).toBe('invalid_grant: Refresh token expired');
  });

  it('reports the development-mode plain-text 403 as SpotifyUserNotRegisteredError', async () => {
    const dev = await startFakeSpotify({ allowlist: ['ana'], users: [{ id: 'ana', display_name: 'Ana' }, { id: 'zed', display_name: 'Zed' }] });
    try {
      const { c } = client({ apiUrl: dev.apiUrl, accountsUrl: dev.accountsUrl });
      const error = await c.getMe(dev.issueTokens('zed').access_token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SpotifyUserNotRegisteredError);
      expect((error as SpotifyUserNotRegisteredError).status).toBe(403);
      expect((await c.getMe(dev.issueTokens('ana').access_token)).id).toBe('ana');
    } finally {
      await dev.stop();
    }
  });

  it('reports a revoked refresh token as SpotifyReauthRequiredError', async () => {
    const { c } = client();
    const tokens = fake.issueTokens('ana');
    fake.revokeTokens('ana');
    await expect(c.refreshToken(tokens.refresh_token)).rejects.toBeInstanceOf(SpotifyReauthRequiredError);
  });

  it('reports a refresh refused for a wrong client id as a request error, not as the user\'s problem', async () => {
    const { c } = client({ clientId: 'not-our-app' });
    const error = await c.refreshToken(fake.issueTokens('ana').refresh_token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyRequestError);
    expect((error as Error).message).toBe('Spotify refused POST /api/token (refresh) (400: invalid_client: Invalid client).');
  });

  it('awaits the limiter before every request', async () => {
    let acquired = 0;
    const { c } = client({ limiter: { acquire: async () => void (acquired += 1) } });
    fake.faults.add({ path: '/v1/me', status: 500, times: 1 });
    await c.getMe(fake.issueTokens('ana').access_token);
    expect(acquired).toBe(2);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, HTTP dates and falls back to 1 s', () => {
    const now = new Date('2026-03-01T10:00:00Z');
    expect(parseRetryAfter('17', now)).toBe(17);
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun, 01 Mar 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBe(1);
    expect(parseRetryAfter('soon', now)).toBe(1);
  });
});
