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
    /** users.session_version when the session began; a different value ends the session. */
    sessionVersion: number;
    login: PendingLogin;
    flash: Flash;
    /** The page a logged-out visitor asked for; the login returns there (a local path only). */
    returnTo: string;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in user, or null. Set for every request by the session plugin. */
    currentUser: CurrentUser | null;
  }
  interface FastifyContextConfig {
    /**
     * The route checks CSRF before its body is read (an upload): the token may then come in the
     * `_csrf` query parameter (the form's action URL) as well as the x-csrf-token header.
     */
    csrfFromQuery?: boolean;
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
    await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session', getToken: csrfTokenOf });

    app.decorateRequest('currentUser', null);
    // onRequest (the session cookie is already decoded): the user is known before the body is
    // read or validated, so a logged-out request gets the login redirect or the 401, never a
    // validation error, and routes can refuse it early (`onRequest: requireUser`).
    app.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/static/')) return; // files: no session work
      await resolveSessionUser(deps, request);
      const flash = request.session.get('flash');
      if (flash) request.session.set('flash', undefined);
      let token: string | undefined;
      const csrfToken = () => (token ??= reply.generateCsrf());
      reply.locals = {
        ...reply.locals,
        currentUser: request.currentUser,
        reauthBanner: request.currentUser && reauthBanner(request.currentUser, deps.clock.now()),
        demoMode: deps.config.demoMode,
        // The nav marks the page being shown (aria-current) from this.
        requestPath: request.url.split('?')[0],
        flash: flash ?? null,
        csrfToken,
        csrfField: () => `<input type="hidden" name="_csrf" value="${csrfToken()}">`,
      };
    });
  };
  // fastify-plugin: the decorators and hooks apply to the whole app, not only inside this plugin.
  return fp(plugin, { name: 'mtm-session' });
}

/**
 * Sets request.currentUser from the session cookie (null when logged out). The session plugin
 * does this for every request before the handler; a route that must refuse before its body is
 * read (an upload) calls it in onRequest too.
 */
export async function resolveSessionUser(deps: Deps, request: FastifyRequest): Promise<CurrentUser | null> {
  const userId = request.session.get('userId');
  request.currentUser = null;
  if (typeof userId !== 'number') return null;
  const user = await findUser(deps.database.db, userId);
  // A cookie from before the versions existed counts as version 0 (the column's default).
  const version = request.session.get('sessionVersion') ?? 0;
  if (user && user.session_version === version) {
    request.currentUser = {
      id: user.id,
      spotifyId: user.spotify_id,
      displayName: user.display_name ?? user.spotify_id,
      needsReauth: user.needs_reauth,
      spotifyAuthorizedAt: user.spotify_authorized_at,
    };
  } else {
    // The account was deleted, or the user logged out everywhere, since the cookie was issued.
    request.session.set('userId', undefined);
    request.session.set('sessionVersion', undefined);
  }
  return request.currentUser;
}

/** Where a state-changing request carries its CSRF token (the library's places, plus csrfFromQuery). */
function csrfTokenOf(request: FastifyRequest): string | undefined {
  const body = request.body as { _csrf?: unknown } | undefined;
  if (typeof body?._csrf === 'string') return body._csrf;
  for (const header of ['x-csrf-token', 'csrf-token', 'xsrf-token', 'x-xsrf-token']) {
    const value = request.headers[header];
    if (typeof value === 'string') return value;
  }
  if (request.routeOptions.config.csrfFromQuery) {
    const query = request.query as { _csrf?: unknown } | undefined;
    if (typeof query?._csrf === 'string') return query._csrf;
  }
  return undefined;
}

/** The app's one "not logged in" error: 401, code not_logged_in, for every route and API. */
export function notLoggedIn(): AppError {
  return new AppError('not_logged_in', 401, 'Log in with Spotify first.');
}

/**
 * preHandler for pages and APIs that need a logged-in user: JSON callers get the 401; a browser
 * goes to the login and, for a page it asked for (GET), comes back to it afterwards.
 */
export const requireUser: preHandlerAsyncHookHandler = async (request: FastifyRequest, reply: FastifyReply) => {
  if (request.currentUser) return;
  if (wantsJson(request)) throw notLoggedIn();
  const back = request.method === 'GET' ? localReturnPath(request.url) : undefined;
  if (back && back !== '/') request.session.set('returnTo', back);
  return reply.redirect('/login');
};

/**
 * Starts a fresh session for a user who just logged in: nothing from before (a planted cookie)
 * carries over, and the cookie remembers the user's current session version.
 */
export function startUserSession(request: FastifyRequest, user: { id: number; session_version: number }): void {
  request.session.regenerate();
  request.session.set('userId', user.id);
  request.session.set('sessionVersion', user.session_version);
}

/** The logged-in user's id, for handlers behind requireUser. */
export function currentUserId(request: FastifyRequest): number {
  if (!request.currentUser) throw notLoggedIn();
  return request.currentUser.id;
}

/**
 * `path` if it is a path on this site ("/settings?x=1"), else undefined: never another origin
 * ("//evil.example", "/\\evil.example", "https://..."), never a control character, never the
 * login flow itself (which would loop).
 */
export function localReturnPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length > 2048) return undefined;
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(path)) return undefined;
  if (/^\/(login|callback|logout)(?:[/?#]|$)/.test(path)) return undefined;
  return path;
}

/** The page to land on after a login: the one first asked for, once, else home. */
export function takeReturnPath(request: FastifyRequest): string {
  const back = localReturnPath(request.session.get('returnTo'));
  request.session.set('returnTo', undefined);
  return back ?? '/';
}

/** Shows `flash` on the next page this browser renders (post, then redirect, then show). */
export function setFlash(request: FastifyRequest, flash: Flash): void {
  request.session.set('flash', flash);
}
