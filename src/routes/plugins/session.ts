import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifySecureSession from '@fastify/secure-session';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Deps } from '../../deps.js';
import { AppError } from '../../lib/errors.js';
import { deriveKey } from '../../lib/token-cipher.js';
import { findUser } from '../../repositories/users.js';
import { wantsJson } from '../respond.js';
import { reauthBanner } from '../../services/spotify-access.js';

/** The logged-in user, as every page and route sees it. */
export interface CurrentUser {
  id: number;
  spotifyId: string;
  displayName: string;
  needsReauth: boolean;
  spotifyAuthorizedAt: Date | null;
}

/** What the login flow keeps between /login and /callback. */
export interface PendingLogin {
  state: string;
  verifier: string;
  /** ms since epoch; a pending login older than LOGIN_TTL_MS is refused. */
  startedAt: number;
}

/** A one-time message shown on the next page after an action (then cleared). */
export interface Flash {
  kind: 'success' | 'error' | 'info';
  message: string;
  /** Optional link shown after the message, e.g. the new playlist in Spotify. */
  href?: string;
  linkText?: string;
}

declare module '@fastify/secure-session' {
  interface SessionData {
    userId: number;
    login: PendingLogin;
    flash: Flash;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user, or null. Set for every request by the session plugin. */
    currentUser: CurrentUser | null;
  }
  interface FastifyReply {
    /** Variables every view receives (@fastify/view merges them into the template data). */
    locals: Record<string, unknown> | undefined;
  }
}

export const SESSION_COOKIE = 'mtm_session';
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

/**
 * Sessions and CSRF for every route, registered once in app.ts:
 * - an encrypted cookie session (@fastify/secure-session; key derived from SESSION_SECRET;
 *   HttpOnly, SameSite=Lax, Secure in production), holding only the user id and a pending login;
 * - @fastify/csrf-protection bound to that session: state-changing routes add
 *   `{ preHandler: app.csrfProtection }` and forms render `<%~ it.csrfField() %>`;
 * - `request.currentUser` and, for every view, `currentUser`, `demoMode`, `csrfField()` and
 *   `csrfToken()` (for htmx: hx-headers='{"x-csrf-token": "..."}').
 */
export function sessionPlugin(deps: Deps): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);
    await app.register(fastifySecureSession, {
      key: deriveKey(deps.config.sessionSecret, 'session-cookie/v1'),
      cookieName: SESSION_COOKIE,
      expiry: SESSION_MAX_AGE_S,
      cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.config.isProduction, maxAge: SESSION_MAX_AGE_S },
    });
    await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session' });

    app.decorateRequest('currentUser', null);
    app.addHook('preHandler', async (request, reply) => {
      const userId = request.session.get('userId');
      if (typeof userId === 'number') {
        const user = await findUser(deps.database.db, userId);
        if (user) {
          request.currentUser = {
            id: user.id,
            spotifyId: user.spotify_id,
            displayName: user.display_name ?? user.spotify_id,
            needsReauth: user.needs_reauth,
            spotifyAuthorizedAt: user.spotify_authorized_at,
          };
        } else {
          // The account was deleted since the cookie was issued.
          request.session.set('userId', undefined);
        }
      }
      const flash = request.session.get('flash');
      if (flash) request.session.set('flash', undefined);
      let token: string | undefined;
      const csrfToken = () => (token ??= reply.generateCsrf());
      reply.locals = {
        ...reply.locals,
        currentUser: request.currentUser,
        reauthBanner: request.currentUser && reauthBanner(request.currentUser, deps.clock.now()),
        demoMode: deps.config.demoMode,
        flash: flash ?? null,
        csrfToken,
        csrfField: () => `<input type="hidden" name="_csrf" value="${csrfToken()}">`,
      };
    });
  };
  // fastify-plugin: the decorators and hooks apply to the whole app, not only inside this plugin.
  return fp(plugin, { name: 'mtm-session' });
}

/** preHandler for pages and APIs that need a logged-in user: pages go to the login, APIs get 401. */
export const requireUser: preHandlerAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
  if (request.currentUser) return;
  if (wantsJson(request)) {
    throw new AppError('not_logged_in', 401, 'Log in with Spotify first.');
  }
  return reply.redirect('/login');
};

/** The logged-in user's id, for handlers behind requireUser. */
export function currentUserId(request: FastifyRequest): number {
  if (!request.currentUser) throw new AppError('not_logged_in', 401, 'Log in with Spotify first.');
  return request.currentUser.id;
}

/** Shows `flash` on the next page this browser renders (post, then redirect, then show). */
export function setFlash(request: FastifyRequest, flash: Flash): void {
  request.session.set('flash', flash);
}
