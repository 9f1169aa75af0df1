import { createHash } from 'node:crypto';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { LOGIN_SCOPES } from '../../src/spotify/client.js';
import * as ours from '../../src/spotify/types.js';
import * as spec from '../support/spotify-spec.js';
import { fakeSpotifyClient } from '../support/spotify-client.js';

/**
 * The fake's answers and the client's requests, checked against strict mirrors of Spotify's
 * OpenAPI schemas (test/support/spotify-spec.ts), and the project's own lenient schemas checked
 * to accept what Spotify may send. See docs/SPOTIFY.md for how the mirrors were checked against
 * ../shared/spotify/fixed-spotify-open-api.yml.
 */
function conforms(schema: TSchema, value: unknown): string[] {
  const validator = Compile(schema);
  return validator.Check(value) ? [] : [...validator.Errors(value)].slice(0, 5).map((e) => `${e.instancePath} ${e.message}`);
}

let fake: FakeSpotify;
const redirectUri = 'http://127.0.0.1:3000/callback';
beforeAll(async () => {
  fake = await startFakeSpotify({ users: [{ id: 'conf', display_name: 'Conformance' }] });
});
afterAll(() => fake.stop());

describe('the client\'s requests conform to the spec', () => {
  it('sends only allowed, non-deprecated operations with spec-shaped queries, bodies and forms', async () => {
    const client = fakeSpotifyClient(fake);
    // A full session: login (code exchange), refresh, every Web API call.
    const verifier = 'v'.repeat(43) + '-._~0123456789';
    const state = 'state-1';
    const authorize = new URL(client.authorizeUrl({ redirectUri, state, codeChallenge: createHash('sha256').update(verifier).digest('base64url'), scope: LOGIN_SCOPES.join(' ') }));
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      client_id: fake.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      code_challenge_method: 'S256',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      state,
      scope: 'user-top-read playlist-modify-private',
    });
    const approved = await fetch(`${fake.url}/authorize/approve`, {
      method: 'POST',
      body: new URLSearchParams({ redirect_uri: redirectUri, state, code_challenge: authorize.searchParams.get('code_challenge')!, scope: authorize.searchParams.get('scope')!, user: 'conf' }),
      redirect: 'manual',
    });
    const code = new URL(approved.headers.get('location')!).searchParams.get('code')!;
    const tokens = await client.exchangeCode({ code, redirectUri, codeVerifier: verifier });
    const refreshed = await client.refreshToken(tokens.refresh_token!);
    // 2026: the refresh grant answers without a new refresh token.
    expect(conforms(ours.TokenResponse, refreshed)).toEqual([]);
    expect(refreshed.refresh_token).toBeUndefined();
    const access = refreshed.access_token;
    await client.getMe(access);
    for (const range of ['short_term', 'medium_term', 'long_term'] as const) await client.getTopTracks(access, range, { limit: 50, offset: 0 });
    await client.getTopTracks(access, 'short_term', { limit: 10, offset: 40 });
    const playlist = await client.createPlaylist(access, { name: 'Conformance', description: 'checked' });
    await client.addPlaylistItems(access, playlist.id, fake.catalogue.tracks.slice(0, 150).map((t) => `spotify:track:${t.id}`));

    const api = fake.requests.filter((r) => r.path !== '/authorize/approve');
    expect(api.map((r) => `${r.method} ${r.path.replace(playlist.id, '{id}')}`)).toEqual([
      'POST /api/token',
      'POST /api/token',
      'GET /v1/me',
      'GET /v1/me/top/tracks',
      'GET /v1/me/top/tracks',
      'GET /v1/me/top/tracks',
      'GET /v1/me/top/tracks',
      'POST /v1/me/playlists',
      'POST /v1/playlists/{id}/items',
      'POST /v1/playlists/{id}/items',
    ]);
    for (const request of api) {
      expect(spec.ALLOWED_OPERATIONS.some((op) => op.method === request.method && op.path.test(request.path)), `${request.method} ${request.path}`).toBe(true);
      expect(request.status, `${request.method} ${request.path}`).toBeLessThan(300);
      if (request.path === '/api/token') {
        expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
        const form = request.body as Record<string, string>;
        expect(conforms(form.grant_type === 'refresh_token' ? spec.RefreshForm : spec.CodeExchangeForm, form)).toEqual([]);
      } else {
        expect(request.headers.authorization).toMatch(/^Bearer fake-at-/);
      }
      if (request.path === '/v1/me/top/tracks') expect(conforms(spec.TopTracksQuery, request.query)).toEqual([]);
      if (request.path === '/v1/me/playlists') expect(conforms(spec.CreatePlaylistBody, request.body)).toEqual([]);
      if (request.path.endsWith('/items')) expect(conforms(spec.AddItemsBody, request.body)).toEqual([]);
    }
  });
});

describe('the fake\'s answers conform to the spec and to the project\'s schemas', () => {
  const get = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${fake.url}${path}`, init);
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const bearer = () => ({ authorization: `Bearer ${fake.issueTokens('conf').access_token}` });

  it('GET /v1/me: PrivateUserObject', async () => {
    const { body } = await get('/v1/me', { headers: bearer() });
    expect(conforms(spec.PrivateUserObject, body)).toEqual([]);
    expect(conforms(ours.PrivateUserObject, body)).toEqual([]);
  });

  it('GET /v1/me/top/tracks: PagingTrackObject of 2026 TrackObjects (no popularity)', async () => {
    for (const range of ['short_term', 'medium_term', 'long_term']) {
      const { body } = await get(`/v1/me/top/tracks?time_range=${range}&limit=50`, { headers: bearer() });
      expect(conforms(spec.PagingTrackObject, body)).toEqual([]);
      expect(conforms(ours.PagingTrackObject, body)).toEqual([]);
      expect((body as { items: object[] }).items.every((t) => !('popularity' in t))).toBe(true);
    }
  });

  it('POST /v1/me/playlists: PlaylistObject (201); POST /v1/playlists/{id}/items: snapshot id (201)', async () => {
    const headers = { ...bearer(), 'content-type': 'application/json' };
    const created = await get('/v1/me/playlists', { method: 'POST', headers, body: JSON.stringify({ name: 'x', public: false }) });
    expect(created.status).toBe(201);
    expect(conforms(spec.PlaylistObject, created.body)).toEqual([]);
    expect(conforms(ours.PlaylistObject, created.body)).toEqual([]);
    const id = (created.body as { id: string }).id;
    const added = await get(`/v1/playlists/${id}/items`, { method: 'POST', headers, body: JSON.stringify({ uris: [`spotify:track:${fake.catalogue.tracks[0]!.id}`] }) });
    expect(added.status).toBe(201);
    expect(conforms(spec.PlaylistSnapshotId, added.body)).toEqual([]);
    expect(conforms(ours.PlaylistSnapshotId, added.body)).toEqual([]);
  });

  it('errors: {error:{status,message}} for the Web API, {error,error_description} for the accounts service', async () => {
    const answers = [await get('/v1/me'), await get('/v1/me/top/tracks?limit=0', { headers: bearer() })];
    fake.faults.add({ path: '/v1/me', status: 429, retryAfter: 5, times: 1 });
    answers.push(
      await get('/v1/me', { headers: bearer() }),
      await get('/v1/users/conf/playlists', { headers: bearer() }),
    );
    expect(answers.map((a) => a.status)).toEqual([401, 400, 429, 404]);
    for (const answer of answers) {
      expect(conforms(spec.ErrorResponse, answer.body)).toEqual([]);
      expect(conforms(ours.WebApiErrorBody, answer.body)).toEqual([]);
      expect((answer.body as { error: { status: number } }).error.status).toBe(answer.status);
    }
    const token = await get('/api/token', { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId, grant_type: 'refresh_token', refresh_token: 'nope' }) });
    expect(token.status).toBe(400);
    expect(conforms(spec.TokenError, token.body)).toEqual([]);
    expect(conforms(ours.AccountsErrorBody, token.body)).toEqual([]);
  });

  it('token answers have the accounts service shape', () => {
    const tokens = fake.issueTokens('conf');
    expect(conforms(spec.TokenAnswer, tokens)).toEqual([]);
    expect(conforms(ours.TokenResponse, tokens)).toEqual([]);
  });
});

describe('the project\'s schemas tolerate what Spotify may send', () => {
  const track = () => fake.topTrackObjects('conf', 'short_term', new Date('2026-01-01')).at(0) as Record<string, unknown>;

  it('accepts popularity, available_markets, extra fields, a null preview_url and a missing one', () => {
    const full = { ...track(), popularity: 71, available_markets: ['SE'], linked_from: {}, some_future_field: { x: 1 } };
    expect(conforms(ours.TrackObject, full)).toEqual([]);
    const { preview_url: _dropped, ...noPreview } = track();
    expect(conforms(ours.TrackObject, noPreview)).toEqual([]);
    expect(conforms(ours.TrackObject, { ...track(), album: { ...(track().album as object), release_date: '1987', release_date_precision: 'year' } })).toEqual([]);
  });

  it('rejects a track without the fields the archive reads', () => {
    for (const field of ['id', 'name', 'artists', 'album', 'duration_ms', 'uri']) {
      const { [field]: _removed, ...rest } = track();
      expect(conforms(ours.TrackObject, rest), field).not.toEqual([]);
    }
    expect(conforms(ours.TrackObject, { ...track(), artists: [] })).not.toEqual([]);
  });
});
