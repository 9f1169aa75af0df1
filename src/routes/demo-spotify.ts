import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import Type from 'typebox';
import type { Deps } from '../deps.js';
import { DEMO_SPOTIFY_PREFIX } from '../lib/demo-spotify-path.js';
import { AppError } from '../lib/errors.js';
import { contract, NotJson } from './contracts.js';

/** The fake's own pages decide what they accept; the app relays the query and form as they are. */
const Relayed = Type.Record(Type.String(), Type.String({ maxLength: 4096 }));

/**
 * Demo mode only: the fake Spotify's consent pages, served to browsers through the app. The fake
 * listens on this machine's loopback, which a browser elsewhere (a DEMO_MODE=true deploy) cannot
 * reach; token and API calls still go to the fake directly from the server.
 * Not CSRF-protected on purpose: this stands in for Spotify's own consent form, and the login's
 * `state` (checked on /callback) is what protects the app.
 */
export function demoSpotifyRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const fake = deps.spotify.fake;
    if (!fake) return;

    // Only the app's own callback: otherwise a demo deploy hands working codes to any site
    // (an open redirect). The fake, like Spotify, checks the rest of the request.
    const checkRedirect = (redirectUri: unknown) => {
      if (redirectUri !== deps.spotify.redirectUri) {
        throw new AppError('invalid_redirect_uri', 400, 'This demo login only returns to this app. Start again from its login button.');
      }
    };

    app.get(`${DEMO_SPOTIFY_PREFIX}/authorize`, { schema: contract({ querystring: Relayed, json: NotJson }) }, async (request, reply) => {
      checkRedirect((request.query as Record<string, unknown> | undefined)?.redirect_uri);
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      const answer = await fetch(`${fake.accountsUrl}/authorize${query}`, { redirect: 'manual' });
      return relay(answer, reply);
    });

    app.post(`${DEMO_SPOTIFY_PREFIX}/authorize/approve`, { schema: contract({ body: Relayed, json: NotJson }) }, async (request, reply) => {
      const fields = (request.body ?? {}) as Record<string, string>;
      checkRedirect(fields.redirect_uri);
      const form = new URLSearchParams(fields);
      const answer = await fetch(`${fake.accountsUrl}/authorize/approve`, { method: 'POST', body: form, redirect: 'manual' });
      return relay(answer, reply);
    });
  };
}

async function relay(answer: Response, reply: FastifyReply) {
  const location = answer.headers.get('location');
  if (location) return reply.redirect(location, answer.status);
  return reply
    .code(answer.status)
    .type(answer.headers.get('content-type') ?? 'text/html; charset=utf-8')
    .send(await answer.text());
}
