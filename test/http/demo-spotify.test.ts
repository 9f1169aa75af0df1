import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { buildTestApp, consentFormFields } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';

describeEachEngine('demo mode: the consent pages served through the app', ({ database }) => {
  let app: FastifyInstance;
  let deps: Deps;
  beforeAll(async () => {
    ({ app, deps } = await buildTestApp(database()));
  });
  afterAll(async () => {
    await app.close();
    await deps.spotify.fake?.stop();
  });

  const authorizeQuery = (redirectUri: string) =>
    new URLSearchParams({
      client_id: deps.spotify.fake!.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 'state-123',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      scope: 'user-top-read',
    }).toString();

  it("shows the consent page for the app's own callback and approves back to it", async () => {
    const page = await app.inject({ method: 'GET', url: `/demo-spotify/authorize?${authorizeQuery(deps.spotify.redirectUri)}` });
    expect(page.statusCode).toBe(200);
    const fields = consentFormFields(page.body);
    expect(fields.redirect_uri).toBe(deps.spotify.redirectUri);
    const approved = await app.inject({
      method: 'POST',
      url: '/demo-spotify/authorize/approve',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...fields, user: deps.spotify.fake!.users()[0]!.id }).toString(),
    });
    expect(approved.statusCode).toBe(302);
    expect(approved.headers.location).toMatch(new RegExp(`^${deps.spotify.redirectUri}\\?code=[^&]+&state=state-123$`));
  });

  it('refuses any other redirect_uri with a 400 page, on the consent page and on approve (no code issued)', async () => {
    for (const evil of ['https://evil.example/', `${deps.spotify.redirectUri}x`, 'http://127.0.0.1:1/callback']) {
      const page = await app.inject({ method: 'GET', url: `/demo-spotify/authorize?${authorizeQuery(evil)}` });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('This demo login only returns to this app. Start again from its login button.');

      const approved = await app.inject({
        method: 'POST',
        url: '/demo-spotify/authorize/approve',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ redirect_uri: evil, state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', scope: 'user-top-read', user: deps.spotify.fake!.users()[0]!.id }).toString(),
      });
      expect(approved.statusCode).toBe(400);
      expect(approved.headers.location).toBeUndefined();
      expect(approved.body).toContain('This demo login only returns to this app.');
    }
    const missing = await app.inject({ method: 'GET', url: '/demo-spotify/authorize' });
    expect(missing.statusCode).toBe(400);
  });
});
