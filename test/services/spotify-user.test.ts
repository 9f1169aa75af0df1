import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { createTokenCipher } from '../../src/lib/token-cipher.js';
import { findSpotifyTokens } from '../../src/repositories/spotify-tokens.js';
import { getUser } from '../../src/repositories/users.js';
import { saveTokenResponse, spotifyForUser, type SpotifyUserDeps } from '../../src/services/spotify-user.js';
import { SpotifyRateLimitedError, SpotifyReauthRequiredError } from '../../src/spotify/errors.js';
import { createUser, unique } from '../factories.js';
import { describeEachEngine } from '../support/databases.js';
import { settableClock } from '../support/clock.js';
import { fakeSpotifyClient } from '../support/spotify-client.js';

describeEachEngine('spotifyForUser: tokens, refresh and rotation', ({ database }) => {
  let fake: FakeSpotify;
  const clock = settableClock('2026-05-01T08:00:00Z');
  const cipher = createTokenCipher('test-secret-for-token-encryption-0123456789');
  const newClient = () => fakeSpotifyClient(fake, { clock });
  let deps: SpotifyUserDeps;

  beforeAll(async () => {
    fake = await startFakeSpotify({ clock, users: [] });
    deps = { db: database().db, client: newClient(), cipher, clock };
  });
  afterAll(() => fake.stop());
  afterEach(() => {
    fake.faults.clear();
    fake.clearRequests();
    clock.set('2026-05-01T08:00:00Z');
  });

  /** A stored user whose fake-Spotify twin has fresh tokens, stored encrypted. */
  async function connectedUser() {
    const spotifyId = unique('sp');
    fake.addUser({ id: spotifyId, display_name: `Name ${spotifyId}` });
    const user = await createUser(database().db, spotifyId);
    const tokens = fake.issueTokens(spotifyId);
    await saveTokenResponse(deps, user.id, tokens);
    return { user, spotifyId, tokens };
  }
  const tokenCalls = () => fake.requests.filter((r) => r.path === '/api/token').length;

  it('stores tokens encrypted, never in plain text', async () => {
    const { user, tokens } = await connectedUser();
    const row = (await findSpotifyTokens(database().db, user.id))!;
    expect(row.access_token_enc).not.toContain(tokens.access_token);
    expect(row.refresh_token_enc).not.toContain(tokens.refresh_token.slice(8));
    expect(cipher.decrypt(row.refresh_token_enc)).toBe(tokens.refresh_token);
    expect(row.expires_at.toISOString()).toBe('2026-05-01T09:00:00.000Z');
  });

  it('uses a valid token without refreshing', async () => {
    const { user, spotifyId } = await connectedUser();
    expect((await spotifyForUser(deps, user.id).getMe()).id).toBe(spotifyId);
    expect(tokenCalls()).toBe(0);
  });

  it('refreshes an expiring token before the call and keeps the refresh token Spotify did not replace (2026)', async () => {
    const { user, tokens } = await connectedUser();
    clock.set('2026-05-01T08:59:30Z'); // within the 60 s margin
    const page = await spotifyForUser(deps, user.id).getTopTracks('short_term', { limit: 50 });
    expect(page.items).toHaveLength(50);
    expect(tokenCalls()).toBe(1);
    const row = (await findSpotifyTokens(database().db, user.id))!;
    expect(cipher.decrypt(row.refresh_token_enc)).toBe(tokens.refresh_token);
    expect(row.expires_at.toISOString()).toBe('2026-05-01T09:59:30.000Z');
    expect(row.updated_at.toISOString()).toBe('2026-05-01T08:59:30.000Z'); // the clock's time, not the machine's
    // The kept refresh token still works an hour later.
    clock.set('2026-05-01T10:30:00Z');
    await spotifyForUser(deps, user.id).getMe();
    expect(tokenCalls()).toBe(2);
  });

  it('stores the rotated refresh token when Spotify rotates it (the pre-2026 behaviour)', async () => {
    const rotating = await startFakeSpotify({ clock, users: [], refreshTokens: 'rotating' });
    try {
      const rotatingDeps = { ...deps, client: fakeSpotifyClient(rotating, { clock }) };
      const spotifyId = unique('rot');
      rotating.addUser({ id: spotifyId, display_name: spotifyId });
      const user = await createUser(database().db, spotifyId);
      const tokens = rotating.issueTokens(spotifyId);
      await saveTokenResponse(rotatingDeps, user.id, tokens);
      clock.set('2026-05-01T09:30:00Z');
      await spotifyForUser(rotatingDeps, user.id).getMe();
      const stored = cipher.decrypt((await findSpotifyTokens(database().db, user.id))!.refresh_token_enc);
      expect(stored).not.toBe(tokens.refresh_token);
      // The stored (rotated) refresh token is the live one: it refreshes again.
      clock.set('2026-05-01T10:30:00Z');
      expect((await spotifyForUser(rotatingDeps, user.id).getMe()).id).toBe(spotifyId);
      expect(rotating.requests.filter((r) => r.path === '/api/token').map((r) => r.status)).toEqual([200, 200]);
    } finally {
      await rotating.stop();
    }
  });

  it('on a 401 refreshes once and retries', async () => {
    const { user, spotifyId } = await connectedUser();
    fake.expireAccessTokens(spotifyId); // Spotify says expired; our row says valid
    expect((await spotifyForUser(deps, user.id).getMe()).id).toBe(spotifyId);
    expect(fake.requests.map((r) => `${r.path} ${r.status}`)).toEqual(['/v1/me 401', '/api/token 200', '/v1/me 200']);
  });

  it('a revoked refresh token means log in again, and flags the user', async () => {
    const { user, spotifyId } = await connectedUser();
    fake.revokeTokens(spotifyId);
    await expect(spotifyForUser(deps, user.id).getMe()).rejects.toBeInstanceOf(SpotifyReauthRequiredError);
    expect((await getUser(database().db, user.id)).needs_reauth).toBe(true);
  });

  it('a user without tokens must log in', async () => {
    const user = await createUser(database().db);
    await expect(spotifyForUser(deps, user.id).getMe()).rejects.toBeInstanceOf(SpotifyReauthRequiredError);
  });

  it('concurrent refreshes, in one process and across two, spend the refresh token once and all succeed', async () => {
    const { user } = await connectedUser();
    clock.set('2026-05-01T09:30:00Z'); // expired
    const other = { ...deps, client: newClient() }; // a second app instance: its own single-flight map
    const calls = [
      ...Array.from({ length: 4 }, () => spotifyForUser(deps, user.id).getTopTracks('medium_term')),
      ...Array.from({ length: 4 }, () => spotifyForUser(other, user.id).getTopTracks('long_term')),
    ];
    const pages = await Promise.all(calls);
    expect(pages.map((p) => p.items.length)).toEqual([50, 50, 50, 50, 50, 50, 50, 50]);
    expect(tokenCalls()).toBe(1);
    expect(fake.requests.filter((r) => r.path === '/api/token').map((r) => r.status)).toEqual([200]);
    // And the token left in the database still works.
    fake.clearRequests();
    await spotifyForUser(deps, user.id).getMe();
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });

  it('passes a long rate limit through for the caller to schedule around', async () => {
    const { user, spotifyId } = await connectedUser();
    fake.faults.add({ path: '/v1/me/top/tracks', user: spotifyId, status: 429, retryAfter: 7200 });
    const error = await spotifyForUser(deps, user.id).getTopTracks('short_term').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpotifyRateLimitedError);
    expect((error as SpotifyRateLimitedError).retryAt.toISOString()).toBe('2026-05-01T10:00:00.000Z');
  });

  it('adds 250 playlist items in three calls for the user', async () => {
    const { user, spotifyId } = await connectedUser();
    const api = spotifyForUser(deps, user.id);
    const playlist = await api.createPlaylist({ name: 'Current Rotation' });
    const uris = fake.catalogue.tracks.slice(0, 250).map((t) => `spotify:track:${t.id}`);
    expect(await api.addPlaylistItems(playlist.id, uris)).toMatchObject({ calls: 3 });
    expect(fake.playlists(spotifyId)[0]!.items).toEqual(uris);
  });
});
