import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';

let fake: FakeSpotify;
let today = new Date('2026-03-10T12:00:00Z');
const redirectUri = 'http://127.0.0.1:4555/callback';
beforeAll(async () => {
  fake = await startFakeSpotify({ clock: { now: () => today }, redirectUris: [redirectUri], refreshTokens: 'rotating', users: [{ id: 'ana', display_name: 'Ana' }, { id: 'zero', display_name: 'Zero', topTrackCount: 0 }] });
});
afterAll(() => fake.stop());

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

async function approve(verifier: string, state = 'st4te'): Promise<URL> {
  const authorize = new URL(`${fake.url}/authorize`);
  authorize.search = new URLSearchParams({
    client_id: fake.clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    code_challenge_method: 'S256',
    code_challenge: challengeOf(verifier),
    state,
    scope: 'user-top-read',
  }).toString();
  const page = await fetch(authorize);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Continue as Ana');
  const form = new URLSearchParams({ redirect_uri: redirectUri, state, code_challenge: challengeOf(verifier), scope: 'user-top-read', user: 'ana' });
  const answer = await fetch(`${fake.url}/authorize/approve`, { method: 'POST', body: form, redirect: 'manual' });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get('location')!);
}

async function token(form: Record<string, string>) {
  const response = await fetch(`${fake.url}/api/token`, { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId, ...form }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('fake Spotify accounts service (rotating refresh tokens, as before 2026)', () => {
  it('redirects back with code and state, and exchanges the code once with the right verifier', async () => {
    const verifier = 'a'.repeat(64);
    const back = await approve(verifier);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code')!;
    const ok = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'user-top-read' });
    const again = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
    expect(again).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Authorization code already used' } });
  });

  it('rejects a wrong PKCE verifier', async () => {
    const back = await approve('b'.repeat(64));
    const wrong = await token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirectUri, code_verifier: 'c'.repeat(64) });
    expect(wrong).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'code_verifier was incorrect' } });
  });

  it('rejects a redirect URI that differs from the authorize request, and a wrong client', async () => {
    const back = await approve('d'.repeat(64));
    const wrongUri = await token({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: 'd'.repeat(64) });
    expect(wrongUri.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid redirect URI' });
    const wrongClient = await token({ client_id: 'someone-else', grant_type: 'refresh_token', refresh_token: 'x' });
    expect(wrongClient).toEqual({ status: 400, body: { error: 'invalid_client', error_description: 'Invalid client' } });
  });

  it('refuses a localhost redirect URI on /authorize, as Spotify does', async () => {
    const response = await fetch(`${fake.url}/authorize?client_id=${fake.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/callback')}&code_challenge_method=S256&code_challenge=x&state=s`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('INVALID_CLIENT: Invalid redirect URI');
  });

  it('sends access_denied back when the listener cancels', async () => {
    const form = new URLSearchParams({ redirect_uri: redirectUri, state: 'st', code_challenge: 'x', deny: '1' });
    const answer = await fetch(`${fake.url}/authorize/approve`, { method: 'POST', body: form, redirect: 'manual' });
    const back = new URL(answer.headers.get('location')!);
    expect(Object.fromEntries(back.searchParams)).toEqual({ error: 'access_denied', state: 'st' });
  });

  it('rotates refresh tokens and rejects the old one (the pre-2026 option)', async () => {
    const first = fake.issueTokens('ana');
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    const reuse = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(reuse).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'Refresh token revoked' } });
  });
});

describe('fake Spotify Web API', () => {
  const topIds = async (access: string, range: string) => {
    const response = await fetch(`${fake.apiUrl}/me/top/tracks?time_range=${range}&limit=50`, { headers: { authorization: `Bearer ${access}` } });
    return ((await response.json()) as { items: { id: string }[] }).items.map((t) => t.id);
  };

  it('answers top tracks deterministically per user, range and date, drifting slowly', async () => {
    today = new Date('2026-03-10T12:00:00Z');
    let access = fake.issueTokens('ana').access_token;
    const short1 = await topIds(access, 'short_term');
    const long1 = await topIds(access, 'long_term');
    expect(await topIds(access, 'short_term')).toEqual(short1);
    today = new Date('2026-04-10T12:00:00Z');
    access = fake.issueTokens('ana').access_token; // the March token has expired by April
    const short2 = await topIds(access, 'short_term');
    const long2 = await topIds(access, 'long_term');
    today = new Date('2026-03-10T12:00:00Z');
    const shortChanged = short2.filter((id) => !short1.includes(id)).length;
    const longChanged = long2.filter((id) => !long1.includes(id)).length;
    expect(shortChanged).toBeGreaterThan(0);
    expect(longChanged).toBeLessThan(shortChanged);
    expect(new Set(short1).size).toBe(50);
  });

  it('gives an empty account an empty page', async () => {
    expect(await topIds(fake.issueTokens('zero').access_token, 'medium_term')).toEqual([]);
  });

  it('answers errors with Spotify\'s {error:{status,message}} body', async () => {
    const noToken = await fetch(`${fake.apiUrl}/me`);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ error: { status: 401, message: 'No token provided' } });
    const access = fake.issueTokens('ana').access_token;
    const badLimit = await fetch(`${fake.apiUrl}/me/top/tracks?limit=51`, { headers: { authorization: `Bearer ${access}` } });
    expect(await badLimit.json()).toEqual({ error: { status: 400, message: 'Invalid limit' } });
    const removed = await fetch(`${fake.apiUrl}/users/ana/playlists`, { method: 'POST', headers: { authorization: `Bearer ${access}` } });
    expect(removed.status).toBe(404);
  });

  it('has a catalogue of a few thousand tracks with ISRCs and all three date precisions', () => {
    const tracks = fake.catalogue.tracks;
    expect(tracks.length).toBeGreaterThan(2500);
    expect(new Set(tracks.map((t) => t.id)).size).toBe(tracks.length);
    expect(tracks.every((t) => /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/.test(t.isrc))).toBe(true);
    expect(new Set(fake.catalogue.albums.map((a) => a.releaseDatePrecision))).toEqual(new Set(['year', 'month', 'day']));
    expect(tracks.some((t) => t.explicit)).toBe(true);
  });
});
