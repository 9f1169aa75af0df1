import { createHash, randomBytes } from 'node:crypto';
import { addUtcMonths } from '../lib/dates.js';
import type { FakeContext } from './context.js';
import { consentPage, page } from './html.js';
import { HttpAnswer, withParams, type Answer, type FakeRequest, type Route } from './http.js';
import { unknownScopes } from './scopes.js';
import type { IssueTokenOptions, TokenSet } from './types.js';

/**
 * The fake accounts service: the consent page (/authorize), its approve form, and the token
 * endpoint (authorization_code with PKCE, refresh_token), plus the token store the Web API
 * authenticates against.
 *
 * 2026 rules (the default): the redirect URI must be registered, already at /authorize; unknown
 * scopes are refused; the token endpoint reads only form bodies; a refresh token lives 6 months
 * from the user's authorization and the refresh grant does not return a new one.
 */

/** Spotify (2026): a refresh token expires this many months after the user's authorization. */
export const REFRESH_TOKEN_LIFETIME_MONTHS = 6;
/** The app's default callback (APP_URL http://127.0.0.1:3000). */
export const DEFAULT_REDIRECT_URIS: readonly string[] = ['http://127.0.0.1:3000/callback'];

interface AuthCode {
  user: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
  used: boolean;
}

export interface AccessToken {
  user: string;
  scope: string;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshToken {
  user: string;
  scope: string;
  /** ms since epoch: when the user approved the app (the token expires 6 months later). */
  authorizedAt: number;
  state: 'active' | 'used' | 'revoked';
}

/** What issueTokens grants when a test names no scope: what the app asks for. */
export const DEFAULT_TOKEN_SCOPE = 'user-top-read playlist-modify-private';

export interface Accounts {
  routes: Route[];
  issueTokens(user: string, options?: string | IssueTokenOptions): TokenSet;
  /** Adds a redirect URI to the app's registered list (the dashboard's "Redirect URIs"). */
  registerRedirectUri(uri: string): void;
  findAccessToken(token: string): AccessToken | undefined;
  /** The Spotify user a request acts for, when the body or headers say so. */
  identify(request: Pick<FakeRequest, 'path' | 'body' | 'headers'>): string | undefined;
  expireAccessTokens(user: string): void;
  revokeTokens(user: string): void;
}

export function createAccounts(ctx: FakeContext): Accounts {
  const ttl = ctx.options.accessTokenTtlSeconds ?? 3600;
  const codes = new Map<string, AuthCode>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  const rotating = ctx.options.refreshTokens === 'rotating';
  // Taken as given (the demo registers its APP_URL's callback whatever it is); a URI Spotify
  // would refuse to register (http://localhost...) then simply never matches a real login.
  const registered = new Set(ctx.options.redirectUris ?? DEFAULT_REDIRECT_URIS);

  function issueAccessToken(user: string, scope: string) {
    const access = `fake-at-${randomBytes(18).toString('base64url')}`;
    accessTokens.set(access, { user, scope, expiresAt: ctx.now() + ttl * 1000, revoked: false });
    return { access_token: access, token_type: 'Bearer' as const, expires_in: ttl, scope };
  }

  function issueTokens(user: string, options: string | IssueTokenOptions = {}): TokenSet {
    const { scope = DEFAULT_TOKEN_SCOPE, authorizedAt } = typeof options === 'string' ? { scope: options } : options;
    if (!ctx.users.has(user)) throw new Error(`fake Spotify has no user "${user}"`);
    const refresh = `fake-rt-${randomBytes(18).toString('base64url')}`;
    refreshTokens.set(refresh, { user, scope, authorizedAt: authorizedAt?.getTime() ?? ctx.now(), state: 'active' });
    const { access_token, token_type, expires_in } = issueAccessToken(user, scope);
    return { access_token, token_type, refresh_token: refresh, expires_in, scope };
  }

  const redirectAllowed = (uri: string) => registered.has(uri);

  function authorizePage({ query }: FakeRequest): Answer {
    const q = Object.fromEntries(query) as Record<string, string | undefined>;
    if (q.client_id !== ctx.clientId) return { status: 400, html: page('INVALID_CLIENT: Invalid client', '') };
    if (!q.redirect_uri || !redirectAllowed(q.redirect_uri)) return { status: 400, html: page('INVALID_CLIENT: Invalid redirect URI', '') };
    if (q.response_type !== 'code') return { status: 400, html: page('unsupported_response_type', '') };
    if (q.code_challenge_method !== 'S256' || !q.code_challenge) {
      return { redirect: withParams(q.redirect_uri, { error: 'invalid_request', state: q.state }) };
    }
    if (unknownScopes(q.scope ?? '').length > 0) return { redirect: withParams(q.redirect_uri, { error: 'invalid_scope', state: q.state }) };
    const fields = Object.fromEntries(['redirect_uri', 'state', 'code_challenge', 'scope'].map((name) => [name, q[name] ?? '']));
    return { status: 200, html: consentPage(fields, [...ctx.users.values()], q.scope ?? '') };
  }

  function approve({ body }: FakeRequest): Answer {
    const form = (body ?? {}) as Record<string, string>;
    const redirectUri = form.redirect_uri ?? '';
    if (!redirectAllowed(redirectUri)) return { status: 400, html: page('INVALID_CLIENT: Invalid redirect URI', '') };
    if (form.deny) return { redirect: withParams(redirectUri, { error: 'access_denied', state: form.state }) };
    // The form's fields come back from the browser: check the scope again.
    if (unknownScopes(form.scope ?? '').length > 0) return { redirect: withParams(redirectUri, { error: 'invalid_scope', state: form.state }) };
    if (!form.user || !ctx.users.has(form.user)) return { status: 400, html: page('Unknown user', '') };
    const code = `fake-code-${randomBytes(18).toString('base64url')}`;
    codes.set(code, {
      user: form.user,
      redirectUri,
      challenge: form.code_challenge ?? '',
      scope: form.scope ?? '',
      expiresAt: ctx.now() + 10 * 60 * 1000,
      used: false,
    });
    return { redirect: withParams(redirectUri, { code, state: form.state }) };
  }

  function token({ body, headers, contentType }: FakeRequest): Answer {
    // The token endpoint reads form bodies only: a JSON body is a request without parameters.
    const form = (contentType === 'application/x-www-form-urlencoded' && body && typeof body === 'object' ? body : {}) as Record<string, string>;
    const fail = (status: number, error: string, description: string) => new HttpAnswer(status, { error, error_description: description });
    const basic = headers.authorization?.startsWith('Basic ')
      ? Buffer.from(headers.authorization.slice(6), 'base64').toString('utf8').split(':')
      : undefined;
    if (!form.grant_type) return fail(400, 'unsupported_grant_type', 'grant_type parameter is missing');
    const presentedId = basic?.[0] ?? form.client_id;
    if (presentedId !== ctx.clientId) return fail(400, 'invalid_client', 'Invalid client');
    if (ctx.options.clientSecret && basic && basic[1] !== ctx.options.clientSecret) return fail(400, 'invalid_client', 'Invalid client secret');

    if (form.grant_type === 'authorization_code') {
      const code = form.code ? codes.get(form.code) : undefined;
      if (!code) return fail(400, 'invalid_grant', 'Invalid authorization code');
      if (code.used) return fail(400, 'invalid_grant', 'Authorization code already used');
      if (code.expiresAt <= ctx.now()) return fail(400, 'invalid_grant', 'Authorization code expired');
      if (form.redirect_uri !== code.redirectUri) return fail(400, 'invalid_grant', 'Invalid redirect URI');
      if (!form.code_verifier) return fail(400, 'invalid_request', 'code_verifier required');
      const challenge = createHash('sha256').update(form.code_verifier).digest('base64url');
      if (challenge !== code.challenge) return fail(400, 'invalid_grant', 'code_verifier was incorrect');
      code.used = true;
      // A consent (first or renewed) starts a new 6-month refresh token.
      return new HttpAnswer(200, issueTokens(code.user, { scope: code.scope }));
    }
    if (form.grant_type === 'refresh_token') {
      const refresh = form.refresh_token ? refreshTokens.get(form.refresh_token) : undefined;
      if (!refresh) return fail(400, 'invalid_grant', 'Invalid refresh token');
      if (refresh.state !== 'active') return fail(400, 'invalid_grant', 'Refresh token revoked');
      if (rotating) {
        // Before 2026: the old refresh token stops working the moment a new one is issued.
        refresh.state = 'used';
        return new HttpAnswer(200, issueTokens(refresh.user, { scope: refresh.scope, authorizedAt: new Date(refresh.authorizedAt) }));
      }
      if (ctx.now() >= refreshTokenExpiry(refresh.authorizedAt)) return fail(400, 'invalid_grant', 'Refresh token expired');
      // 2026: no new refresh token; the one presented stays valid until it expires.
      return new HttpAnswer(200, issueAccessToken(refresh.user, refresh.scope));
    }
    return fail(400, 'unsupported_grant_type', `grant_type must be authorization_code or refresh_token`);
  }

  return {
    routes: [
      { method: 'GET', path: '/authorize', handle: authorizePage },
      { method: 'POST', path: '/authorize/approve', handle: approve },
      { method: 'POST', path: '/api/token', handle: token },
    ],
    issueTokens,
    registerRedirectUri(uri) {
      if (!registrableRedirectUri(uri)) throw new Error(`fake Spotify: "${uri}" cannot be registered (HTTPS, or http://127.0.0.1:PORT / http://[::1]:PORT)`);
      registered.add(uri);
    },
    findAccessToken: (token) => accessTokens.get(token),
    identify({ path, body, headers }) {
      const auth = headers.authorization;
      if (auth?.startsWith('Bearer ')) return accessTokens.get(auth.slice(7))?.user;
      if (path === '/api/token' && body && typeof body === 'object') {
        const form = body as Record<string, string>;
        if (form.refresh_token) return refreshTokens.get(form.refresh_token)?.user;
        if (form.code) return codes.get(form.code)?.user;
      }
      if (path === '/authorize/approve' && body && typeof body === 'object') return (body as Record<string, string>).user;
      return undefined;
    },
    expireAccessTokens(user) {
      for (const token of accessTokens.values()) if (token.user === user) token.expiresAt = ctx.now() - 1;
    },
    revokeTokens(user) {
      for (const token of accessTokens.values()) if (token.user === user) token.revoked = true;
      for (const token of refreshTokens.values()) if (token.user === user) token.state = 'revoked';
    },
  };
}

/** When a refresh token issued for an authorization at `authorizedAt` (ms) stops working. */
export function refreshTokenExpiry(authorizedAt: number): number {
  return addUtcMonths(new Date(authorizedAt), REFRESH_TOKEN_LIFETIME_MONTHS).getTime();
}

/** Spotify's rule for redirect URIs: HTTPS, or plain HTTP only on a loopback IP literal with a port. */
export function registrableRedirectUri(uri: string): boolean {
  try {
    const u = new URL(uri);
    return u.protocol === 'https:' || (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]') && u.port !== '');
  } catch {
    return false;
  }
}
