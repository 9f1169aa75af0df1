import { createHash, randomBytes } from 'node:crypto';
import type { FakeContext } from './context.js';
import { consentPage, page } from './html.js';
import { HttpAnswer, withParams, type Answer, type FakeRequest, type Route } from './http.js';
import type { TokenSet } from './types.js';

/**
 * The fake accounts service: the consent page (/authorize), its approve form, and the token
 * endpoint (authorization_code with PKCE, refresh_token), plus the token store the Web API
 * authenticates against.
 */

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
  state: 'active' | 'used' | 'revoked';
}

export const DEFAULT_TOKEN_SCOPE = 'playlist-modify-private playlist-modify-public user-top-read';

export interface Accounts {
  routes: Route[];
  issueTokens(user: string, scope?: string): TokenSet;
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

  function issueTokens(user: string, scope = DEFAULT_TOKEN_SCOPE): TokenSet {
    if (!ctx.users.has(user)) throw new Error(`fake Spotify has no user "${user}"`);
    const access = `fake-at-${randomBytes(18).toString('base64url')}`;
    const refresh = `fake-rt-${randomBytes(18).toString('base64url')}`;
    accessTokens.set(access, { user, scope, expiresAt: ctx.now() + ttl * 1000, revoked: false });
    refreshTokens.set(refresh, { user, scope, state: 'active' });
    return { access_token: access, token_type: 'Bearer', refresh_token: refresh, expires_in: ttl, scope };
  }

  function redirectAllowed(uri: string): boolean {
    if (ctx.options.redirectUris) return ctx.options.redirectUris.includes(uri);
    try {
      const u = new URL(uri);
      return u.protocol === 'https:' || (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]') && u.port !== '');
    } catch {
      return false;
    }
  }

  function authorizePage({ query }: FakeRequest): Answer {
    const q = Object.fromEntries(query) as Record<string, string | undefined>;
    if (q.client_id !== ctx.clientId) return { status: 400, html: page('INVALID_CLIENT: Invalid client', '') };
    if (!q.redirect_uri || !redirectAllowed(q.redirect_uri)) return { status: 400, html: page('INVALID_CLIENT: Invalid redirect URI', '') };
    if (q.response_type !== 'code') return { status: 400, html: page('unsupported_response_type', '') };
    if (q.code_challenge_method !== 'S256' || !q.code_challenge) {
      return { redirect: withParams(q.redirect_uri, { error: 'invalid_request', state: q.state }) };
    }
    const fields = Object.fromEntries(['redirect_uri', 'state', 'code_challenge', 'scope'].map((name) => [name, q[name] ?? '']));
    return { status: 200, html: consentPage(fields, [...ctx.users.values()], q.scope ?? '') };
  }

  function approve({ body }: FakeRequest): Answer {
    const form = (body ?? {}) as Record<string, string>;
    const redirectUri = form.redirect_uri ?? '';
    if (!redirectAllowed(redirectUri)) return { status: 400, html: page('INVALID_CLIENT: Invalid redirect URI', '') };
    if (form.deny) return { redirect: withParams(redirectUri, { error: 'access_denied', state: form.state }) };
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

  function token({ body, headers }: FakeRequest): Answer {
    const form = (body ?? {}) as Record<string, string>;
    const fail = (status: number, error: string, description: string) => new HttpAnswer(status, { error, error_description: description });
    const basic = headers.authorization?.startsWith('Basic ')
      ? Buffer.from(headers.authorization.slice(6), 'base64').toString('utf8').split(':')
      : undefined;
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
      return new HttpAnswer(200, issueTokens(code.user, code.scope));
    }
    if (form.grant_type === 'refresh_token') {
      const refresh = form.refresh_token ? refreshTokens.get(form.refresh_token) : undefined;
      if (!refresh || refresh.state !== 'active') return fail(400, 'invalid_grant', 'Refresh token revoked');
      // PKCE refresh tokens rotate: the old one stops working the moment a new one is issued.
      refresh.state = 'used';
      return new HttpAnswer(200, issueTokens(refresh.user, refresh.scope));
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
