import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { settableClock } from '../support/clock.js';

/**
 * The fake's 2026 rules, each of which the pre-2026 fake did not enforce: refresh tokens that
 * expire six months after the authorization and are not rotated, registered redirect URIs and
 * known scopes at /authorize, form-only token requests, per-endpoint scopes, Spotify's 401 and
 * 400 for bad authentication, base-62 ids, development mode's allowlist, the per-app rate limit
 * and the development-mode track shape.
 */
const clock = settableClock('2026-01-15T10:00:00Z');
const redirectUri = 'http://127.0.0.1:4601/callback';
let fake: FakeSpotify;

beforeAll(async () => {
  fake = await startFakeSpotify({ clock, redirectUris: [redirectUri], users: [{ id: 'rita', display_name: 'Rita' }] });
});
afterAll(() => fake.stop());
afterEach(() => {
  clock.set('2026-01-15T10:00:00Z');
  fake.faults.clear();
});

async function token(form: Record<string, string>, init: RequestInit = {}) {
  const response = await fetch(`${fake.url}/api/token`, { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId, ...form }), ...init });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const refresh = (refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken });
const authorizeUrl = (params: Record<string, string>) =>
  `${fake.url}/authorize?${new URLSearchParams({
    client_id: fake.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    code_challenge_method: 'S256',
    code_challenge: createHash('sha256').update('v'.repeat(50)).digest('base64url'),
    state: 'st',
    scope: 'user-top-read playlist-modify-private',
    ...params,
  }).toString()}`;
const api = (path: string, access: string, init: RequestInit = {}) =>
  fetch(`${fake.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${access}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

describe('refresh tokens (2026)', () => {
  it('are not rotated: the answer has no refresh_token and the original keeps working', async () => {
    const tokens = fake.issueTokens('rita');
    const first = await refresh(tokens.refresh_token);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
  });

  it('expire six months after the authorization, whatever was refreshed in between', async () => {
    const tokens = fake.issueTokens('rita'); // authorized 2026-01-15T10:00Z
    clock.set('2026-07-15T09:59:59Z');
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
    clock.set('2026-07-15T10:00:00Z');
    expect(await refresh(tokens.refresh_token)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token expired' } });
  });

  it('count from the authorization time they carry (a re-consent starts a new six months)', async () => {
    const old = fake.issueTokens('rita', { authorizedAt: new Date('2025-07-01T00:00:00Z') });
    const renewed = fake.issueTokens('rita', { authorizedAt: new Date('2026-01-10T00:00:00Z') });
    clock.set('2026-02-01T00:00:00Z');
    expect((await refresh(old.refresh_token)).body).toEqual({ error: 'invalid_grant', error_description: 'Refresh token expired' });
    expect((await refresh(renewed.refresh_token)).status).toBe(200);
  });

  it('answer "Refresh token revoked" once the listener removed the app, and "Invalid refresh token" when unknown', async () => {
    fake.addUser({ id: 'rev', display_name: 'Rev' });
    const tokens = fake.issueTokens('rev');
    fake.revokeTokens('rev');
    expect(await refresh(tokens.refresh_token)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token revoked' } });
    expect(await refresh('fake-rt-never-issued')).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Invalid refresh token' } });
  });
});

describe('the accounts service', () => {
  it('shows an error page for an unregistered redirect URI at /authorize and never redirects to it', async () => {
    const unregistered = 'http://127.0.0.1:4602/callback';
    const page = await fetch(authorizeUrl({ redirect_uri: unregistered }), { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('INVALID_CLIENT: Invalid redirect URI');
    const approve = await fetch(`${fake.url}/authorize/approve`, {
      method: 'POST',
      body: new URLSearchParams({ redirect_uri: unregistered, state: 'st', code_challenge: 'x', scope: 'user-top-read', user: 'rita' }),
      redirect: 'manual',
    });
    expect(approve.status).toBe(400);
    expect(approve.headers.get('location')).toBeNull();

    // Without a list the app's default callback is the one registered: any other loopback URI is refused.
    const plain = await startFakeSpotify({ clock });
    try {
      const at = (uri: string) => fetch(authorizeUrl({ redirect_uri: uri, client_id: plain.clientId }).replace(fake.url, plain.url), { redirect: 'manual' });
      expect((await at('http://127.0.0.1:3000/callback')).status).toBe(200);
      const other = await at('http://127.0.0.1:4603/callback');
      expect([other.status, other.headers.get('location')]).toEqual([400, null]);
    } finally {
      await plain.stop();
    }
  });

  it('refuses unknown scopes with invalid_scope (at /authorize and on the approve form)', async () => {
    const page = await fetch(authorizeUrl({ scope: 'bogus user-top-read' }), { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(Object.fromEntries(new URL(page.headers.get('location')!).searchParams)).toEqual({ error: 'invalid_scope', state: 'st' });
    const approve = await fetch(`${fake.url}/authorize/approve`, {
      method: 'POST',
      body: new URLSearchParams({ redirect_uri: redirectUri, state: 'st2', code_challenge: 'x', scope: 'user-top-read bogus', user: 'rita' }),
      redirect: 'manual',
    });
    expect(Object.fromEntries(new URL(approve.headers.get('location')!).searchParams)).toEqual({ error: 'invalid_scope', state: 'st2' });
  });

  it('reads only form bodies at /api/token: a JSON body has no grant_type', async () => {
    const tokens = fake.issueTokens('rita');
    const json = await token({}, { body: JSON.stringify({ client_id: fake.clientId, grant_type: 'refresh_token', refresh_token: tokens.refresh_token }), headers: { 'content-type': 'application/json' } });
    expect(json).toEqual({ status: 400, body: { error: 'unsupported_grant_type', error_description: 'grant_type parameter is missing' } });
  });
});

describe('the Web API', () => {
  it('needs the scope of each endpoint, a private playlist playlist-modify-private and a public one playlist-modify-public', async () => {
    const onlyPublic = fake.issueTokens('rita', 'playlist-modify-public').access_token;
    const onlyPrivate = fake.issueTokens('rita', 'playlist-modify-private').access_token;
    const forbidden = { error: { status: 403, message: 'Insufficient client scope' } };
    const top = await api('/me/top/tracks', onlyPrivate);
    expect([top.status, await top.json()]).toEqual([403, forbidden]);
    const privateWithPublic = await api('/me/playlists', onlyPublic, { method: 'POST', body: JSON.stringify({ name: 'p', public: false }) });
    expect([privateWithPublic.status, await privateWithPublic.json()]).toEqual([403, forbidden]);
    // Spotify's default is public: no "public" field needs playlist-modify-public.
    const defaultPublic = await api('/me/playlists', onlyPrivate, { method: 'POST', body: JSON.stringify({ name: 'p' }) });
    expect(defaultPublic.status).toBe(403);
    const created = await api('/me/playlists', onlyPrivate, { method: 'POST', body: JSON.stringify({ name: 'p', public: false }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const uris = [`spotify:track:${fake.catalogue.tracks[0]!.id}`];
    const addWithPublic = await api(`/playlists/${id}/items`, onlyPublic, { method: 'POST', body: JSON.stringify({ uris }) });
    expect(addWithPublic.status).toBe(403);
    const add = await api(`/playlists/${id}/items`, onlyPrivate, { method: 'POST', body: JSON.stringify({ uris }) });
    expect(add.status).toBe(201);
  });

  it('sends WWW-Authenticate with a 401, and 400 for any scheme but Bearer', async () => {
    const access = fake.issueTokens('rita').access_token;
    fake.expireAccessTokens('rita');
    const expired = await api('/me', access);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="spotify", error="invalid_token"');
    expect(await expired.json()).toEqual({ error: { status: 401, message: 'The access token expired' } });
    const invalid = await api('/me', 'not-a-token');
    expect(invalid.headers.get('www-authenticate')).toBe('Bearer realm="spotify", error="invalid_token"');
    const basic = await fetch(`${fake.apiUrl}/me`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(basic.status).toBe(400);
    expect(await basic.json()).toEqual({ error: { status: 400, message: 'Only valid bearer authentication supported' } });
  });

  it('issues base-62 playlist ids', async () => {
    const access = fake.issueTokens('rita').access_token;
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      const created = await api('/me/playlists', access, { method: 'POST', body: JSON.stringify({ name: `p${i}`, public: false }) });
      ids.push(((await created.json()) as { id: string }).id);
    }
    expect(ids.filter((id) => !/^[0-9A-Za-z]{22}$/.test(id))).toEqual([]);
  });

  it('sends development-mode track objects: no ISRC, markets or popularity', async () => {
    const access = fake.issueTokens('rita').access_token;
    const page = (await (await api('/me/top/tracks?limit=50&time_range=short_term', access)).json()) as { items: Record<string, unknown>[] };
    expect(page.items).toHaveLength(50);
    for (const track of page.items) {
      for (const field of ['external_ids', 'available_markets', 'popularity', 'linked_from']) expect(track).not.toHaveProperty(field);
      for (const field of ['label', 'external_ids', 'popularity', 'available_markets']) expect(track.album).not.toHaveProperty(field);
    }
  });
});

describe('options: development mode, rate limit, extended quota', () => {
  it('answers the exact plain-text 403 for a listener not under User Management, and allows at most five', async () => {
    const dev = await startFakeSpotify({ clock, allowlist: ['in-1'], users: ['in-1', 'out-1', 'in-2', 'in-3', 'in-4', 'in-5', 'in-6'].map((id) => ({ id, display_name: id })) });
    try {
      expect((await fetch(`${dev.apiUrl}/me`, { headers: { authorization: `Bearer ${dev.issueTokens('in-1').access_token}` } })).status).toBe(200);
      const refused = await fetch(`${dev.apiUrl}/me`, { headers: { authorization: `Bearer ${dev.issueTokens('out-1').access_token}` } });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await refused.text()).toBe('User not registered in the Developer Dashboard');
      for (const id of ['in-2', 'in-3', 'in-4', 'in-5']) dev.allowUser(id);
      expect(() => dev.allowUser('in-6')).toThrow('a development-mode app has at most 5 users');
    } finally {
      await dev.stop();
    }
    await expect(startFakeSpotify({ allowlist: ['a', 'b', 'c', 'd', 'e', 'f'] })).rejects.toThrow('at most 5 users');
  });

  it('rate limits the app over a rolling window with 429 and Retry-After', async () => {
    const limited = await startFakeSpotify({ clock, rateLimit: { requests: 3, windowSeconds: 30 }, users: [{ id: 'rl', display_name: 'RL' }] });
    try {
      const access = limited.issueTokens('rl', { scope: 'user-top-read' }).access_token;
      const call = () => fetch(`${limited.apiUrl}/me`, { headers: { authorization: `Bearer ${access}` } });
      const start = clock.now().getTime();
      const at = async (seconds: number) => {
        clock.set(new Date(start + seconds * 1000));
        return call();
      };
      const statuses = [(await at(0)).status, (await at(10)).status, (await at(20)).status];
      const refused = await at(25); // the call at 0 s leaves the window at 30 s
      statuses.push(refused.status);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toEqual({ error: { status: 429, message: 'API rate limit exceeded' } });
      statuses.push((await at(30)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 200]);
    } finally {
      await limited.stop();
    }
  });

  it('sends external_ids, available_markets and popularity with extended quota', async () => {
    const extended = await startFakeSpotify({ clock, quota: 'extended', users: [{ id: 'ext', display_name: 'Ext' }] });
    try {
      const access = extended.issueTokens('ext').access_token;
      const page = (await (await fetch(`${extended.apiUrl}/me/top/tracks?limit=5`, { headers: { authorization: `Bearer ${access}` } })).json()) as { items: Record<string, unknown>[] };
      const [track] = page.items;
      const model = extended.catalogue.byId.get(track!.id as string)!;
      expect(track!.external_ids).toEqual({ isrc: model.isrc });
      expect(Array.isArray(track!.available_markets)).toBe(true);
      expect(typeof track!.popularity).toBe('number');
    } finally {
      await extended.stop();
    }
  });
});
