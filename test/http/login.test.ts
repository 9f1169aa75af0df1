import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { findSpotifyTokens } from '../../src/repositories/spotify-tokens.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { approveOnFake, buildTestAppWithFake, consentFormFields } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';
import { cookieFrom } from '../support/cookies.js';

describeEachEngine('login with Spotify (Authorization Code + PKCE) against the fake over HTTP', ({ database }) => {
  let fake: FakeSpotify;
  let deps: Deps;
  let app: FastifyInstance;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ app, deps, fake, close } = await buildTestAppWithFake(database(), {
      users: [
        { id: 'ana-login', display_name: 'Ana Lima', account_id: 'accAna1' },
        { id: 'otto-outsider', display_name: 'Otto Outsider' },
      ],
      // Development mode: only Ana is under User Management.
      allowlist: ['ana-login'],
    }));
  });
  afterAll(() => close());
  beforeEach(() => {
    fake.faults.clear();
    fake.clearRequests();
  });


  /** /login, then the fake's consent page over real HTTP; returns the callback URL and cookie. */
  async function startLogin(user = 'ana-login') {
    const login = await app.inject({ method: 'GET', url: '/login' });
    expect(login.statusCode).toBe(302);
    const authorize = new URL(login.headers.location as string);
    // Browsers see the fake's consent page through the app (demo mode); here we go to the fake itself.
    expect(authorize.origin + authorize.pathname).toBe('http://127.0.0.1:3000/demo-spotify/authorize');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')).toBe('user-top-read playlist-modify-private');
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:3000/callback');
    const { html, callback } = await approveOnFake(fake, authorize.search, user);
    expect(html).toContain('Continue as Ana Lima');
    return { callback, cookie: cookieFrom(login), state: authorize.searchParams.get('state')! };
  }

  it('asks Spotify for exactly the two scopes the app uses: user-top-read and playlist-modify-private', async () => {
    const login = await app.inject({ method: 'GET', url: '/login' });
    const scope = new URL(login.headers.location as string).searchParams.get('scope')!;
    expect(scope.split(' ')).toEqual(['user-top-read', 'playlist-modify-private']);
  });

  it('offers "Log in with Spotify" on the home page when logged out', async () => {
    const home = await app.inject({ method: 'GET', url: '/' });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('href="/login"');
    expect(home.body).toContain('Log in with Spotify');
    expect(home.body).toContain('Demo mode');
  });

  it('logs in: creates the user with id and account_id, stores encrypted tokens, starts the session', async () => {
    const { callback, cookie } = await startLogin();
    const done = await app.inject({ method: 'GET', url: callback, headers: { cookie } });
    expect(done.statusCode).toBe(302);
    expect(done.headers.location).toBe('/');
    const setCookie = String(done.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);

    const user = (await findUserBySpotifyId(database().db, 'ana-login'))!;
    expect(user).toMatchObject({ display_name: 'Ana Lima', account_id: 'accAna1', needs_reauth: false });
    expect(user.last_login_at).toBeInstanceOf(Date);
    const tokens = (await findSpotifyTokens(database().db, user.id))!;
    expect(tokens.scope).toBe('user-top-read playlist-modify-private');
    expect(tokens.access_token_enc.startsWith('v1.')).toBe(true);
    expect(fake.requests.find((r) => r.path === '/api/token')!.body).toMatchObject({ grant_type: 'authorization_code', client_id: fake.clientId });

    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: cookieFrom(done) } });
    expect(home.body).toContain('Welcome, Ana Lima');
    expect((await deps.spotify.forUser(user.id).getMe()).id).toBe('ana-login');
  });

  it('serves the fake\'s consent page through the app, so a browser never needs the fake\'s port', async () => {
    const login = await app.inject({ method: 'GET', url: '/login' });
    const authorize = new URL(login.headers.location as string);
    const consent = await app.inject({ method: 'GET', url: `${authorize.pathname}${authorize.search}` });
    expect(consent.statusCode).toBe(200);
    expect(consent.headers['content-type']).toMatch(/^text\/html/);
    expect(consent.body).toContain('<form method="post" action="authorize/approve">');
    const hidden = consentFormFields(consent.body);
    const approved = await app.inject({
      method: 'POST',
      url: '/demo-spotify/authorize/approve',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...hidden, user: 'ana-login' }).toString(),
    });
    expect(approved.statusCode).toBe(302);
    const callback = new URL(approved.headers.location as string);
    expect(callback.origin + callback.pathname).toBe('http://127.0.0.1:3000/callback');
    const done = await app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: { cookie: cookieFrom(login) } });
    expect(done.statusCode).toBe(302);
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: cookieFrom(done) } });
    expect(home.body).toContain('Welcome, Ana Lima');
  });

  it('refuses a replayed callback with a friendly page', async () => {
    const { callback, cookie } = await startLogin();
    const first = await app.inject({ method: 'GET', url: callback, headers: { cookie } });
    expect(first.statusCode).toBe(302);
    const replay = await app.inject({ method: 'GET', url: callback, headers: { cookie } });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('This login link is no longer valid');
    expect(replay.body).toContain('href="/login"');
  });

  it('refuses a wrong state, and a callback without a login in progress', async () => {
    const { callback, cookie, state } = await startLogin();
    const wrong = await app.inject({ method: 'GET', url: callback.replace(state, 'forged-state'), headers: { cookie } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('This login link is no longer valid');
    const noSession = await app.inject({ method: 'GET', url: '/callback?code=x&state=y' });
    expect(noSession.statusCode).toBe(400);
  });

  it('explains access_denied and a missing code', async () => {
    const login = await app.inject({ method: 'GET', url: '/login' });
    const state = new URL(login.headers.location as string).searchParams.get('state')!;
    const denied = await app.inject({ method: 'GET', url: `/callback?error=access_denied&state=${state}`, headers: { cookie: cookieFrom(login) } });
    expect(denied.statusCode).toBe(400);
    expect(denied.body).toContain('You did not allow access');
    expect(denied.body).toContain('Try logging in again');

    const again = await app.inject({ method: 'GET', url: '/login' });
    const state2 = new URL(again.headers.location as string).searchParams.get('state')!;
    const noCode = await app.inject({ method: 'GET', url: `/callback?state=${state2}`, headers: { cookie: cookieFrom(again) } });
    expect(noCode.statusCode).toBe(400);
    expect(noCode.body).toContain('Spotify did not send a login code');
  });

  it('shows a friendly page when the token exchange fails or Spotify is down', async () => {
    const { callback, cookie } = await startLogin();
    fake.faults.add({ path: '/api/token', status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'Invalid authorization code' }), times: 1 });
    const refused = await app.inject({ method: 'GET', url: callback, headers: { cookie } });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Spotify did not complete the login');
    expect(refused.body).toContain('invalid_grant: Invalid authorization code');

    const second = await startLogin();
    fake.faults.add({ path: '/api/token', status: 503 });
    const down = await app.inject({ method: 'GET', url: second.callback, headers: { cookie: second.cookie } });
    expect(down.statusCode).toBe(503);
    expect(down.body).toContain('Try logging in again');
  }, 20_000);

  it('explains User Management and the five-user limit when Spotify answers "User not registered in the Developer Dashboard"', async () => {
    const { callback, cookie } = await startLogin('otto-outsider');
    const refused = await app.inject({ method: 'GET', url: callback, headers: { cookie } });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toMatch(/^text\/html/);
    expect(refused.body).toContain('User not registered in the Developer Dashboard');
    expect(refused.body).toContain('<strong>User Management</strong>');
    expect(refused.body).toContain('<strong>at most five</strong>');
    expect(refused.body).toContain('href="/login"');
    expect(fake.requests.filter((r) => r.path === '/v1/me').map((r) => `${r.user} ${r.status}`)).toEqual(['otto-outsider 403']);
    // Nothing was saved, and no session started.
    expect(await findUserBySpotifyId(database().db, 'otto-outsider')).toBeUndefined();
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: cookieFrom(refused, cookie) } });
    expect(home.body).toContain('Log in with Spotify');
  });

  it('logs out only with a POST carrying the CSRF token', async () => {
    const { callback, cookie } = await startLogin();
    const done = await app.inject({ method: 'GET', url: callback, headers: { cookie } });
    let session = cookieFrom(done);
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie: session } });
    session = cookieFrom(home, session);
    const token = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;

    const forged = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: session }, payload: {} });
    expect(forged.statusCode).toBe(403);
    const stillIn = await app.inject({ method: 'GET', url: '/', headers: { cookie: session } });
    expect(stillIn.body).toContain('Welcome, Ana Lima');

    const out = await app.inject({ method: 'POST', url: '/logout', headers: { cookie: session, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(token)}` });
    expect(out.statusCode).toBe(303);
    const after = await app.inject({ method: 'GET', url: '/', headers: { cookie: cookieFrom(out, session) } });
    expect(after.body).toContain('Log in with Spotify');
    expect(after.body).not.toContain('Welcome, Ana Lima');

    // The server ended the session: a copy of the old cookie (another tab, a thief) is logged out too.
    const replayed = await app.inject({ method: 'GET', url: '/snapshot', headers: { cookie: session } });
    expect(replayed.statusCode).toBe(302);
    expect(replayed.headers.location).toBe('/login');
    const replayedHome = await app.inject({ method: 'GET', url: '/', headers: { cookie: session } });
    expect(replayedHome.body).not.toContain('Welcome, Ana Lima');
  });
});
