import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { currentUserId, requireUser, startUserSession } from '../../src/routes/plugins/session.js';
import { endUserSessions, getUser } from '../../src/repositories/users.js';
import type { Deps } from '../../src/deps.js';
import { createUser } from '../factories.js';
import { buildTestApp } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';

describeEachEngine('sessions, requireUser and CSRF for other pages', ({ database }) => {
  let app: FastifyInstance;
  let deps: Deps;
  let prodApp: FastifyInstance;
  let prodDeps: Deps;

  beforeAll(async () => {
    ({ app, deps } = await buildTestApp(database()));
    // What another page does: a private page, a private API, a form POST.
    app.get('/private', { preHandler: requireUser }, async (request) => `user ${currentUserId(request)}`);
    app.get('/api/private', { preHandler: requireUser }, async (request) => ({ userId: currentUserId(request) }));
    app.post('/private/action', { preHandler: [requireUser, app.csrfProtection] }, async (request) => ({ done: currentUserId(request) }));
    // A test-only door into a session (the real one is /callback, tested in login.test.ts).
    app.get('/test-login/:id', async (request) => {
      request.session.set('userId', Number((request.params as { id: string }).id));
      return 'ok';
    });
    app.get('/test-start/:id', async (request) => {
      startUserSession(request, await getUser(deps.database.db, Number((request.params as { id: string }).id)));
      return 'ok';
    });
    app.get('/test-csrf', async (_request, reply) => ({ token: reply.generateCsrf() }));
    ({ app: prodApp, deps: prodDeps } = await buildTestApp(database(), {
      NODE_ENV: 'production',
      DEMO_MODE: 'true',
      SESSION_SECRET: 'a-production-secret-that-is-long-enough-0123456789',
      // Production requires a database setting; the test's own database is handed in instead.
      DATABASE_URL: 'postgres://unused@127.0.0.1:1/handed-in',
    }));
    prodApp.get('/test-login/:id', async (request) => {
      request.session.set('userId', Number((request.params as { id: string }).id));
      return 'ok';
    });
  });
  afterAll(async () => {
    await app.close();
    await prodApp.close();
    await deps.spotify.fake?.stop();
    await prodDeps.spotify.fake?.stop();
  });

  const cookieOf = (r: LightMyRequestResponse, previous = '') => {
    const c = r.cookies.find((x) => x.name === 'mtm_session');
    return c ? `mtm_session=${encodeURIComponent(c.value)}` : previous;
  };

  it('sends logged-out visitors of a page to /login, and answers 401 JSON on an API', async () => {
    const page = await app.inject({ method: 'GET', url: '/private' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login');
    const api = await app.inject({ method: 'GET', url: '/api/private' });
    expect(api.statusCode).toBe(401);
    expect(api.json()).toEqual({ error: { code: 'not_logged_in', message: 'Log in with Spotify first.' } });
  });

  it('gives a logged-in request its user id, and shows the name in the header', async () => {
    const user = await createUser(database().db);
    const cookie = cookieOf(await app.inject({ method: 'GET', url: `/test-login/${user.id}` }));
    expect((await app.inject({ method: 'GET', url: '/private', headers: { cookie } })).body).toBe(`user ${user.id}`);
    const home = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
    expect(home.body).toContain(`<span class="user-name">${user.display_name}</span>`);
  });

  it('treats a tampered cookie, or the cookie of a deleted user, as logged out', async () => {
    const user = await createUser(database().db);
    const cookie = cookieOf(await app.inject({ method: 'GET', url: `/test-login/${user.id}` }));
    const tampered = cookie.slice(0, -6) + (cookie.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    expect((await app.inject({ method: 'GET', url: '/private', headers: { cookie: tampered } })).statusCode).toBe(302);
    await database().db.deleteFrom('users').where('id', '=', user.id).execute();
    expect((await app.inject({ method: 'GET', url: '/private', headers: { cookie } })).statusCode).toBe(302);
  });

  it('requires the CSRF token on a POST: form field or x-csrf-token header (htmx)', async () => {
    const user = await createUser(database().db);
    let cookie = cookieOf(await app.inject({ method: 'GET', url: `/test-login/${user.id}` }));
    const issued = await app.inject({ method: 'GET', url: '/test-csrf', headers: { cookie } });
    cookie = cookieOf(issued, cookie);
    const token = issued.json<{ token: string }>().token;

    const without = await app.inject({ method: 'POST', url: '/private/action', headers: { cookie }, payload: {} });
    expect(without.statusCode).toBe(403);
    const wrong = await app.inject({ method: 'POST', url: '/private/action', headers: { cookie, 'x-csrf-token': 'forged' }, payload: {} });
    expect(wrong.statusCode).toBe(403);
    const header = await app.inject({ method: 'POST', url: '/private/action', headers: { cookie, 'x-csrf-token': token }, payload: {} });
    expect(header.json()).toEqual({ done: user.id });
    const form = await app.inject({
      method: 'POST',
      url: '/private/action',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}`,
    });
    expect(form.json()).toEqual({ done: user.id });
  });

  it('ends every session of a user on endUserSessions (logout, disconnect), and only theirs', async () => {
    const user = await createUser(database().db);
    const other = await createUser(database().db);
    const laptop = cookieOf(await app.inject({ method: 'GET', url: `/test-start/${user.id}` }));
    const phone = cookieOf(await app.inject({ method: 'GET', url: `/test-start/${user.id}` }));
    const otherCookie = cookieOf(await app.inject({ method: 'GET', url: `/test-start/${other.id}` }));
    expect((await app.inject({ method: 'GET', url: '/private', headers: { cookie: phone } })).body).toBe(`user ${user.id}`);

    expect(await endUserSessions(database().db, user.id)).toBe(1);
    for (const cookie of [laptop, phone]) {
      const page = await app.inject({ method: 'GET', url: '/private', headers: { cookie } });
      expect(page.statusCode).toBe(302);
      expect(page.headers.location).toBe('/login');
    }
    expect((await app.inject({ method: 'GET', url: '/private', headers: { cookie: otherCookie } })).body).toBe(`user ${other.id}`);
    // A new login after that works with the new version.
    const again = cookieOf(await app.inject({ method: 'GET', url: `/test-start/${user.id}` }));
    expect((await app.inject({ method: 'GET', url: '/private', headers: { cookie: again } })).body).toBe(`user ${user.id}`);
    expect(await endUserSessions(database().db, 999_999)).toBeUndefined();
  });

  it('marks the cookie Secure in production (HttpOnly, SameSite=Lax always)', async () => {
    const set = String((await prodApp.inject({ method: 'GET', url: '/test-login/1' })).headers['set-cookie']);
    expect(set).toMatch(/^mtm_session=/);
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; Secure/);
    expect(set).toMatch(/; SameSite=Lax/);
  });
});
