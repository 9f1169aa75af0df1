import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { approveOnFake, buildTestApp, buildTestAppWithFake } from '../support/app.js';
import { cookieFrom } from '../support/cookies.js';
import { describeEachEngine } from '../support/databases.js';
import { settableClock } from '../support/clock.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'q3ZJ8rVb1xWkT0nHs7LdYc2uPe9GmAfR4oKiN6tE5hSwXyBzCvDg',
  SPOTIFY_CLIENT_ID: 'abc123',
  SPOTIFY_CLIENT_SECRET: 'shh',
  SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/callback',
  APP_URL: 'https://mtm.example.com',
  // Required in production; the test hands the app its own database, so nothing connects here.
  DATABASE_URL: 'postgres://mtm@127.0.0.1:1/unused',
};

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';style-src-attr 'unsafe-inline';img-src 'self' data: https://i.scdn.co;" +
  "font-src 'self';connect-src 'self';object-src 'none';base-uri 'self';frame-ancestors 'none';form-action 'self' https://accounts.spotify.com;" +
  'upgrade-insecure-requests';

function expectSecurityHeaders(response: LightMyRequestResponse) {
  expect(response.headers['content-security-policy']).toBe(CSP);
  expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('same-origin');
  expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
}

describeEachEngine('security headers and rate limits', ({ database }) => {
  describe('in production', () => {
    let app: FastifyInstance;
    let deps: Deps;
    beforeAll(async () => {
      ({ app, deps } = await buildTestApp(database(), PRODUCTION));
    });
    afterAll(async () => {
      await app.close();
      await deps.spotify.fake?.stop(); // the database is the test's own, closed by describeEachEngine
    });

    it('sends the CSP, HSTS, nosniff and Referrer-Policy on a page, a static file and error pages', async () => {
      const home = await app.inject({ method: 'GET', url: '/' });
      expect(home.statusCode).toBe(200);
      expectSecurityHeaders(home);
      const missing = await app.inject({ method: 'GET', url: '/no-such-page' });
      expect(missing.statusCode).toBe(404);
      expect(missing.body).toContain('Page not found');
      expectSecurityHeaders(missing);
      const forbidden = await app.inject({ method: 'POST', url: '/logout', payload: {} });
      expect(forbidden.statusCode).toBe(403);
      expectSecurityHeaders(forbidden);
      const css = await app.inject({ method: 'GET', url: '/static/app.css' });
      expect(css.statusCode).toBe(200);
      expectSecurityHeaders(css);
    });

    it('keeps the pages free of inline scripts and styles, which the CSP would block', async () => {
      const home = await app.inject({ method: 'GET', url: '/' });
      expect(home.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
      expect(home.body).not.toMatch(/<style/);
    });
  });

  describe('in development', () => {
    let app: FastifyInstance;
    let deps: Deps;
    beforeAll(async () => {
      ({ app, deps } = await buildTestApp(database(), {}, { limits: { loginRequestsPerWindow: 3, rateLimitWindowMs: 60_000 } }));
    });
    afterAll(async () => {
      await app.close();
      await deps.spotify.fake?.stop(); // the database is the test's own, closed by describeEachEngine
    });

    it('sends no HSTS (http://127.0.0.1 must keep working), the rest as in production', async () => {
      const home = await app.inject({ method: 'GET', url: '/' });
      expect(home.headers['strict-transport-security']).toBeUndefined();
      expect(home.headers['content-security-policy']).toBe(
        "default-src 'self';script-src 'self';style-src 'self';style-src-attr 'unsafe-inline';img-src 'self' data: https://i.scdn.co;" +
          "font-src 'self';connect-src 'self';object-src 'none';base-uri 'self';frame-ancestors 'none';form-action 'self'",
      );
      expect(home.headers['x-content-type-options']).toBe('nosniff');
    });

    it('answers /login with 429 and Retry-After after the limit (a page, or JSON when asked), per client address', async () => {
      for (let i = 0; i < 3; i += 1) expect((await app.inject({ method: 'GET', url: '/login' })).statusCode).toBe(302);
      const page = await app.inject({ method: 'GET', url: '/login' });
      expect(page.statusCode).toBe(429);
      expect(page.headers['retry-after']).toBe('60');
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('<h1>Slow down</h1>');
      expect(page.body).toContain('Too many requests from your address. Please wait 1 minute and try again.');
      expect(page.headers['content-security-policy']).toBeDefined();

      const json = await app.inject({ method: 'GET', url: '/callback?code=x&state=y', headers: { accept: 'application/json' } });
      expect(json.statusCode).toBe(429);
      expect(json.json()).toEqual({ error: { code: 'rate_limited', message: 'Too many requests from your address. Please wait 1 minute and try again.' } });

      // Another address has its own count; pages outside the limited groups are not counted.
      expect((await app.inject({ method: 'GET', url: '/login', remoteAddress: '10.0.0.7' })).statusCode).toBe(302);
      expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
    });
  });

  describe('on-demand captures', () => {
    let world: Awaited<ReturnType<typeof buildTestAppWithFake>>;
    const clock = settableClock('2026-08-01T10:00:00Z');
    beforeAll(async () => {
      world = await buildTestAppWithFake(database(), { clock, users: [{ id: 'cool-ana', display_name: 'Ana Cool' }, { id: 'cool-bo', display_name: 'Bo Cool' }] }, {
        clock,
        limits: { captureCooldownMs: 180_000 },
      });
    });
    afterAll(() => world.close());

    async function logIn(user: string) {
      const login = await world.app.inject({ method: 'GET', url: '/login' });
      const { callback } = await approveOnFake(world.fake, new URL(login.headers.location as string).search, user);
      const done = await world.app.inject({ method: 'GET', url: callback, headers: { cookie: cookieFrom(login) } });
      const page = await world.app.inject({ method: 'GET', url: '/snapshot', headers: { cookie: cookieFrom(done) } });
      return { cookie: cookieFrom(page, cookieFrom(done)), token: /name="_csrf" value="([^"]+)"/.exec(page.body)![1]! };
    }
    const snapshot = (session: { cookie: string; token: string }, accept = 'application/json') =>
      world.app.inject({ method: 'POST', url: '/snapshot', headers: { cookie: session.cookie, 'x-csrf-token': session.token, accept } });

    it('allows one per user every few minutes: then 429 with Retry-After and a clear message; other users are not affected', async () => {
      const ana = await logIn('cool-ana');
      const bo = await logIn('cool-bo');
      expect((await snapshot(ana)).statusCode).toBe(200);
      clock.set('2026-08-01T10:01:00Z');
      const again = await snapshot(ana);
      expect(again.statusCode).toBe(429);
      expect(again.headers['retry-after']).toBe('120');
      expect(again.json()).toEqual({
        error: {
          code: 'capture_too_soon',
          message: 'You took a snapshot a moment ago. The next one can start in 2 minutes; your daily snapshot runs on its own schedule either way.',
        },
      });
      const page = await snapshot(ana, 'text/html');
      expect(page.statusCode).toBe(429);
      expect(page.body).toContain('The next one can start in 2 minutes');
      expect((await snapshot(bo)).statusCode).toBe(200);

      clock.set('2026-08-01T10:03:00Z');
      expect((await snapshot(ana)).statusCode).toBe(200);
    });
  });
});
