import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { calculatePKCECodeChallenge, generateRandomCodeVerifier, generateRandomState } from 'oauth4webapi';
import Type, { type Static } from 'typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../lib/errors.js';
import { endUserSessions } from '../repositories/users.js';
import { completeLogin } from '../services/login.js';
import { LOGIN_SCOPES } from '../spotify/client.js';
import { contract, CsrfOnlyForm, NotJson } from './contracts.js';
import { startUserSession, takeReturnPath } from './plugins/session.js';

/** A login must come back from Spotify within this time. */
const LOGIN_TTL_MS = 15 * 60 * 1000;

const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 2048 })),
  state: Type.Optional(Type.String({ maxLength: 512 })),
  error: Type.Optional(Type.String({ maxLength: 512 })),
  error_description: Type.Optional(Type.String({ maxLength: 2048 })),
});

/**
 * Log in with Spotify (Authorization Code + PKCE, S256), the callback, and log out.
 * Every way a login can fail ends on a friendly page with a "Try again" link, never a 500.
 */
export interface AuthRoutesOptions {
  /**
   * Runs after a successful login, before the redirect home (e.g. the first capture). A failure
   * is logged and does not undo the login.
   */
  afterLogin?: (userId: number) => Promise<void>;
}

export function authRoutes(deps: Deps, options: AuthRoutesOptions = {}): FastifyPluginAsync {
  // The session lives in the cookie, so an old copy of the cookie still holds the pending login.
  // States already used are remembered here until they would have expired anyway, so a replayed
  // callback is refused before it reaches Spotify (across instances, Spotify's single-use codes
  // refuse it too).
  const usedStates = new Map<string, number>();
  const consumeState = (state: string, now: number): boolean => {
    for (const [s, expiresAt] of usedStates) if (expiresAt <= now) usedStates.delete(s);
    if (usedStates.has(state)) return false;
    usedStates.set(state, now + LOGIN_TTL_MS);
    return true;
  };

  return async (app) => {
    app.get('/login', { schema: contract({ json: NotJson }) }, async (request, reply) => {
      // Already logged in: nothing to do here.
      if (request.currentUser) return reply.redirect('/');
      const verifier = generateRandomCodeVerifier();
      const state = generateRandomState();
      request.session.set('login', { state, verifier, startedAt: deps.clock.now().getTime() });
      const url = deps.spotify.client.authorizeUrl({
        redirectUri: deps.spotify.redirectUri,
        state,
        codeChallenge: await calculatePKCECodeChallenge(verifier),
        scope: LOGIN_SCOPES.join(' '),
      });
      return reply.redirect(url);
    });

    app.get<{ Querystring: Static<typeof CallbackQuery> }>('/callback', { schema: contract({ querystring: CallbackQuery, json: NotJson }) }, async (request, reply) => {
      const pending = request.session.get('login');
      // One use only: a replayed callback finds no pending login.
      request.session.set('login', undefined);
      const { code, state, error } = request.query;

      if (error === 'access_denied') {
        return loginFailed(reply, 400, 'You did not allow access', 'Spotify says access was not granted, so nothing was saved. You can try again whenever you like.');
      }
      if (error) {
        return loginFailed(reply, 400, 'Spotify could not log you in', `Spotify answered "${error}". Please try again.`);
      }
      if (!pending || !state || state !== pending.state || !consumeState(state, deps.clock.now().getTime())) {
        return loginFailed(
          reply,
          400,
          'This login link is no longer valid',
          'It was already used, belongs to another browser session, or was changed on the way. Please start the login again.',
        );
      }
      if (deps.clock.now().getTime() - pending.startedAt > LOGIN_TTL_MS) {
        return loginFailed(reply, 400, 'This login took too long', 'Please start the login again.');
      }
      if (!code) {
        return loginFailed(reply, 400, 'Spotify did not send a login code', 'Please start the login again.');
      }

      try {
        const user = await completeLogin(
          { db: deps.database.db, client: deps.spotify.client, cipher: deps.tokenCipher, clock: deps.clock },
          { code, codeVerifier: pending.verifier, redirectUri: deps.spotify.redirectUri },
        );
        // The page the visitor first asked for survives the fresh session (validated again when used).
        const returnTo = takeReturnPath(request);
        startUserSession(request, user);
        request.log.info({ userId: user.id }, 'user logged in');
        if (options.afterLogin) {
          await options.afterLogin(user.id).catch((error: unknown) => request.log.error({ err: error, userId: user.id }, 'after-login step failed'));
        }
        return reply.redirect(returnTo);
      } catch (failure) {
        if (!(failure instanceof AppError) || failure.status >= 500 && !failure.code.startsWith('spotify_')) throw failure;
        request.log.warn({ err: failure }, 'login failed');
        if (failure.code === 'spotify_user_not_registered') {
          return reply.code(403).view('login-not-registered.eta', { title: 'Not yet allowed by this Spotify app · Music Time Machine' });
        }
        const status = failure.code === 'spotify_unavailable' ? 503 : failure.code === 'spotify_auth_failed' ? 400 : 502;
        return loginFailed(reply, status, 'Spotify did not complete the login', `${failure.message} Please try again.`);
      }
    });

    app.post('/logout', { schema: contract({ body: CsrfOnlyForm, json: NotJson }), preHandler: app.csrfProtection }, async (request, reply) => {
      // Server-side: a copy of this cookie (stolen, or on another device) stops working too.
      if (request.currentUser) await endUserSessions(deps.database.db, request.currentUser.id);
      request.session.delete();
      return reply.redirect('/', 303);
    });
  };
}

function loginFailed(reply: FastifyReply, status: number, heading: string, message: string) {
  return reply.code(status).view('login-error.eta', { title: `${heading} · Music Time Machine`, heading, message });
}
