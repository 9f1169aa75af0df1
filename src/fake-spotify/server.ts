import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../lib/clock.js';
import { buildCatalogue, trackObject, type Catalogue } from './catalogue.js';
import { buildTaste, type Taste, type TimeRange } from './taste.js';

/**
 * An offline Spotify: the accounts service (/authorize, /api/token) and the Web API calls the app
 * makes (/v1/me, /v1/me/top/tracks, /v1/me/playlists, /v1/playlists/{id}/items), with Spotify's
 * shapes and error bodies, PKCE checks, expiring access tokens, rotating refresh tokens, fault
 * injection and a request log. One server serves both: accounts at `url`, the API at `url`/v1.
 */

export interface FakeUserInput {
  id: string;
  display_name: string;
  account_id?: string;
  /** How many top tracks each range has (default 50; 12 for a new account, 0 for an empty one). */
  topTrackCount?: number;
  /** Taste seed (default: the id), so two users can share a taste if a test wants. */
  tasteSeed?: string;
}

export interface FakeUser extends Required<Omit<FakeUserInput, 'tasteSeed'>> {
  taste: Taste;
}

export interface FaultRule {
  method?: string;
  /** Exact path ("/v1/me/top/tracks", "/api/token"), or a prefix ending in "*". */
  path?: string;
  /** Only requests made for this Spotify user id. */
  user?: string;
  /** Answer with this status instead of the real answer. */
  status?: number;
  /** Retry-After header (seconds), for 429s. */
  retryAfter?: number;
  /** How many matching requests the rule applies to (default: all). */
  times?: number;
  /** Wait this long before answering (a slow Spotify). */
  delayMs?: number;
  /** Raw body to send (e.g. malformed JSON); status defaults to 200 when only a body is given. */
  body?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The Spotify user the request acted for, when known. */
  user: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  status: number;
  at: Date;
}

export interface FakePlaylist {
  id: string;
  owner: string;
  name: string;
  description: string | null;
  public: boolean;
  items: string[];
  snapshots: number;
  createdAt: Date;
}

export interface TokenSet {
  access_token: string;
  token_type: 'Bearer';
  refresh_token: string;
  expires_in: number;
  scope: string;
}

export interface FakeSpotifyOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  clientId?: string;
  /** When set, the token endpoint also requires this secret (Basic auth or client_secret). */
  clientSecret?: string;
  /** Registered redirect URIs; unset accepts any HTTPS or loopback-IP URI (Spotify's rule). */
  redirectUris?: readonly string[];
  /** Access token lifetime (default 3600 s, as Spotify). */
  accessTokenTtlSeconds?: number;
  users?: readonly FakeUserInput[];
  catalogue?: Catalogue;
}

export interface FakeSpotify {
  /** Base URL: accounts at `${url}/authorize` and `${url}/api/token`, the Web API at `${url}/v1`. */
  readonly url: string;
  readonly accountsUrl: string;
  readonly apiUrl: string;
  readonly clientId: string;
  readonly catalogue: Catalogue;
  readonly requests: LoggedRequest[];
  readonly faults: { add(rule: FaultRule): void; clear(): void };
  addUser(input: FakeUserInput): FakeUser;
  /** Adds `count` users "<prefix>-1".."<prefix>-N" with deterministic tastes. */
  addUsers(count: number, prefix?: string): FakeUser[];
  users(): FakeUser[];
  /** Tokens for a user without the browser login (tests, seeding). */
  issueTokens(spotifyUserId: string, scope?: string): TokenSet;
  /** Makes every access token of the user expired now. */
  expireAccessTokens(spotifyUserId: string): void;
  /** The user removed the app: every access and refresh token stops working. */
  revokeTokens(spotifyUserId: string): void;
  /** The top tracks the fake would answer for (user, range, date): the model the demo seed uses. */
  topTrackObjects(spotifyUserId: string, timeRange: TimeRange, date: Date): Record<string, unknown>[];
  playlists(spotifyUserId: string): FakePlaylist[];
  clearRequests(): void;
  stop(): Promise<void>;
}

export const FAKE_CLIENT_ID = 'mtm-fake-client-id';
export const DEMO_USERS: readonly FakeUserInput[] = [
  { id: 'mtm-demo-alex', display_name: 'Alex Rivera', account_id: 'demoAcct0001' },
  { id: 'mtm-demo-sam', display_name: 'Sam Okafor', account_id: 'demoAcct0002' },
];
const TIME_RANGES: readonly TimeRange[] = ['short_term', 'medium_term', 'long_term'];

interface AuthCode {
  user: string;
  redirectUri: string;
  challenge: string;
  scope: string;
  expiresAt: number;
  used: boolean;
}
interface AccessToken {
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

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export async function startFakeSpotify(options: FakeSpotifyOptions = {}): Promise<FakeSpotify> {
  const clock = options.clock ?? systemClock;
  const clientId = options.clientId ?? FAKE_CLIENT_ID;
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const catalogue = options.catalogue ?? sharedCatalogue();
  const users = new Map<string, FakeUser>();
  const codes = new Map<string, AuthCode>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  const playlists = new Map<string, FakePlaylist>();
  const requests: LoggedRequest[] = [];
  let faults: (FaultRule & { remaining: number })[] = [];
  let url = '';

  const now = () => clock.now().getTime();

  function addUser(input: FakeUserInput): FakeUser {
    const user: FakeUser = {
      id: input.id,
      display_name: input.display_name,
      account_id: input.account_id ?? `acct-${input.id}`,
      topTrackCount: input.topTrackCount ?? 50,
      taste: buildTaste(catalogue, input.tasteSeed ?? input.id),
    };
    users.set(user.id, user);
    return user;
  }
  for (const user of options.users ?? DEMO_USERS) addUser(user);

  function issueTokens(user: string, scope = 'playlist-modify-private playlist-modify-public user-top-read'): TokenSet {
    if (!users.has(user)) throw new Error(`fake Spotify has no user "${user}"`);
    const access = `fake-at-${randomBytes(18).toString('base64url')}`;
    const refresh = `fake-rt-${randomBytes(18).toString('base64url')}`;
    accessTokens.set(access, { user, scope, expiresAt: now() + ttl * 1000, revoked: false });
    refreshTokens.set(refresh, { user, scope, state: 'active' });
    return { access_token: access, token_type: 'Bearer', refresh_token: refresh, expires_in: ttl, scope };
  }

  function topTrackObjects(userId: string, timeRange: TimeRange, date: Date) {
    const user = users.get(userId);
    if (!user) throw new Error(`fake Spotify has no user "${userId}"`);
    return user.taste.topTracks(timeRange, date, user.topTrackCount).map((t) => trackObject(t, `${url}/v1`));
  }

  // ---- request handling -------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = parsed.pathname;
    const method = req.method ?? 'GET';
    const rawBody = await readBody(req);
    let body: unknown;
    let badBody: HttpAnswer | undefined;
    try {
      body = parseRequestBody(req.headers['content-type'], rawBody);
    } catch (error) {
      body = rawBody;
      badBody = error instanceof HttpAnswer ? error : undefined;
    }
    const user = identifyUser(req, path, body);
    const entry: LoggedRequest = {
      method,
      path,
      query: Object.fromEntries(parsed.searchParams),
      user,
      headers: { ...req.headers },
      body,
      status: 0,
      at: clock.now(),
    };
    requests.push(entry);

    let answer: HttpAnswer | { html: string; status: number } | { redirect: string };
    const fault = takeFault(method, path, user);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && (fault.status !== undefined || fault.body !== undefined)) {
      const status = fault.status ?? 200;
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
      if (fault.body !== undefined) {
        entry.status = status;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(fault.body);
        return;
      }
      answer = path.startsWith('/api/')
        ? new HttpAnswer(status, { error: status === 429 ? 'rate_limited' : 'server_error', error_description: `Injected ${status}` }, headers)
        : new HttpAnswer(status, { error: { status, message: status === 429 ? 'API rate limit exceeded' : status === 401 ? 'The access token expired' : `Injected ${status}` } }, headers);
    } else {
      try {
        if (badBody) throw badBody;
        answer = route(method, path, parsed.searchParams, body, req);
      } catch (error) {
        if (error instanceof HttpAnswer) answer = error;
        else answer = new HttpAnswer(500, { error: { status: 500, message: 'Fake Spotify failed' } });
      }
    }

    if ('redirect' in answer) {
      entry.status = 302;
      res.writeHead(302, { location: answer.redirect });
      res.end();
    } else if ('html' in answer) {
      entry.status = answer.status;
      res.writeHead(answer.status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(answer.html);
    } else {
      entry.status = answer.status;
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    }
  }

  function takeFault(method: string, path: string, user: string | undefined) {
    const rule = faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.path || (f.path.endsWith('*') ? path.startsWith(f.path.slice(0, -1)) : f.path === path)) &&
        (!f.user || f.user === user),
    );
    if (rule) rule.remaining -= 1;
    return rule;
  }

  function identifyUser(req: IncomingMessage, path: string, body: unknown): string | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return accessTokens.get(auth.slice(7))?.user;
    if (path === '/api/token' && body && typeof body === 'object') {
      const form = body as Record<string, string>;
      if (form.refresh_token) return refreshTokens.get(form.refresh_token)?.user;
      if (form.code) return codes.get(form.code)?.user;
    }
    if (path === '/authorize/approve' && body && typeof body === 'object') return (body as Record<string, string>).user;
    return undefined;
  }

  function route(method: string, path: string, query: URLSearchParams, body: unknown, req: IncomingMessage) {
    if (method === 'GET' && path === '/authorize') return authorizePage(query);
    if (method === 'POST' && path === '/authorize/approve') return approve(body as Record<string, string>);
    if (method === 'POST' && path === '/api/token') return token(body as Record<string, string>, req);
    if (path.startsWith('/v1/')) {
      const auth = authenticate(req);
      if (method === 'GET' && path === '/v1/me') {
        const user = users.get(auth.user)!;
        return new HttpAnswer(200, {
          account_id: user.account_id,
          display_name: user.display_name,
          external_urls: { spotify: `https://open.spotify.com/user/${user.id}` },
          href: `${url}/v1/users/${user.id}`,
          id: user.id,
          images: [],
          type: 'user',
          uri: `spotify:user:${user.id}`,
        });
      }
      if (method === 'GET' && path === '/v1/me/top/tracks') return topTracks(auth, query);
      if (method === 'POST' && path === '/v1/me/playlists') return createPlaylist(auth, body);
      const items = /^\/v1\/playlists\/([^/]+)\/items$/.exec(path);
      if (method === 'POST' && items) return addItems(auth, decodeURIComponent(items[1]!), body);
    }
    return new HttpAnswer(404, { error: { status: 404, message: 'Service not found' } });
  }

  function authenticate(req: IncomingMessage): AccessToken {
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) throw new HttpAnswer(401, { error: { status: 401, message: 'No token provided' } });
    const token = accessTokens.get(auth.slice(7));
    if (!token || token.revoked) throw new HttpAnswer(401, { error: { status: 401, message: 'Invalid access token' } });
    if (token.expiresAt <= now()) throw new HttpAnswer(401, { error: { status: 401, message: 'The access token expired' } });
    return token;
  }

  function requireScope(token: AccessToken, ...anyOf: string[]) {
    const granted = token.scope.split(' ');
    if (!anyOf.some((s) => granted.includes(s))) throw new HttpAnswer(403, { error: { status: 403, message: 'Insufficient client scope' } });
  }

  function topTracks(token: AccessToken, query: URLSearchParams) {
    requireScope(token, 'user-top-read');
    const range = (query.get('time_range') ?? 'medium_term') as TimeRange;
    if (!TIME_RANGES.includes(range)) throw new HttpAnswer(400, { error: { status: 400, message: 'Invalid time range' } });
    const limit = Number(query.get('limit') ?? 20);
    const offset = Number(query.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new HttpAnswer(400, { error: { status: 400, message: 'Invalid limit' } });
    if (!Number.isInteger(offset) || offset < 0) throw new HttpAnswer(400, { error: { status: 400, message: 'Invalid offset' } });
    const all = topTrackObjects(token.user, range, clock.now());
    const items = all.slice(offset, offset + limit);
    const page = (o: number) => `${url}/v1/me/top/tracks?offset=${o}&limit=${limit}&time_range=${range}`;
    return new HttpAnswer(200, {
      href: page(offset),
      items,
      limit,
      next: offset + limit < all.length ? page(offset + limit) : null,
      offset,
      previous: offset > 0 ? page(Math.max(0, offset - limit)) : null,
      total: all.length,
    });
  }

  function createPlaylist(token: AccessToken, body: unknown) {
    requireScope(token, 'playlist-modify-private', 'playlist-modify-public');
    const input = (body ?? {}) as { name?: unknown; description?: unknown; public?: unknown };
    if (typeof input.name !== 'string' || input.name === '') throw new HttpAnswer(400, { error: { status: 400, message: 'Missing required field: name' } });
    const id = randomBytes(16).toString('base64url').slice(0, 22);
    const playlist: FakePlaylist = {
      id,
      owner: token.user,
      name: input.name,
      description: typeof input.description === 'string' ? input.description : null,
      public: input.public === undefined ? true : input.public === true,
      items: [],
      snapshots: 1,
      createdAt: clock.now(),
    };
    playlists.set(id, playlist);
    return new HttpAnswer(201, playlistObject(playlist));
  }

  function addItems(token: AccessToken, playlistId: string, body: unknown) {
    requireScope(token, 'playlist-modify-private', 'playlist-modify-public');
    const playlist = playlists.get(playlistId);
    if (!playlist) throw new HttpAnswer(404, { error: { status: 404, message: 'Resource not found' } });
    if (playlist.owner !== token.user) throw new HttpAnswer(403, { error: { status: 403, message: 'You cannot add items to a playlist you do not own.' } });
    const uris = (body as { uris?: unknown } | undefined)?.uris;
    if (!Array.isArray(uris) || uris.length === 0) throw new HttpAnswer(400, { error: { status: 400, message: 'No uris provided' } });
    if (uris.length > 100) throw new HttpAnswer(400, { error: { status: 400, message: 'Too many ids requested' } });
    if (!uris.every((u) => typeof u === 'string' && /^spotify:(track|episode):[0-9A-Za-z]{22}$/.test(u))) {
      throw new HttpAnswer(400, { error: { status: 400, message: 'Invalid base62 id' } });
    }
    playlist.items.push(...(uris as string[]));
    playlist.snapshots += 1;
    return new HttpAnswer(201, { snapshot_id: snapshotId(playlist) });
  }

  function playlistObject(p: FakePlaylist) {
    const owner = users.get(p.owner)!;
    return {
      collaborative: false,
      description: p.description,
      external_urls: { spotify: `https://open.spotify.com/playlist/${p.id}` },
      href: `${url}/v1/playlists/${p.id}`,
      id: p.id,
      images: [],
      name: p.name,
      owner: {
        display_name: owner.display_name,
        external_urls: { spotify: `https://open.spotify.com/user/${owner.id}` },
        href: `${url}/v1/users/${owner.id}`,
        id: owner.id,
        type: 'user',
        uri: `spotify:user:${owner.id}`,
      },
      public: p.public,
      snapshot_id: snapshotId(p),
      items: { href: `${url}/v1/playlists/${p.id}/items`, items: [], limit: 100, next: null, offset: 0, previous: null, total: p.items.length },
      type: 'playlist',
      uri: `spotify:playlist:${p.id}`,
    };
  }

  // ---- accounts service ------------------------------------------------------------------

  function redirectAllowed(uri: string): boolean {
    if (options.redirectUris) return options.redirectUris.includes(uri);
    try {
      const u = new URL(uri);
      return u.protocol === 'https:' || (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]') && u.port !== '');
    } catch {
      return false;
    }
  }

  function authorizePage(query: URLSearchParams) {
    const q = Object.fromEntries(query) as Record<string, string | undefined>;
    if (q.client_id !== clientId) return { status: 400, html: page('INVALID_CLIENT: Invalid client', '') };
    if (!q.redirect_uri || !redirectAllowed(q.redirect_uri)) return { status: 400, html: page('INVALID_CLIENT: Invalid redirect URI', '') };
    if (q.response_type !== 'code') return { status: 400, html: page('unsupported_response_type', '') };
    if (q.code_challenge_method !== 'S256' || !q.code_challenge) {
      return { redirect: withParams(q.redirect_uri, { error: 'invalid_request', state: q.state }) };
    }
    const hidden = ['redirect_uri', 'state', 'code_challenge', 'scope']
      .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(q[name] ?? '')}">`)
      .join('');
    const buttons = [...users.values()]
      .map(
        (u) =>
          `<form method="post" action="authorize/approve">${hidden}<input type="hidden" name="user" value="${escapeHtml(u.id)}">` +
          `<button type="submit" data-user="${escapeHtml(u.id)}">Continue as ${escapeHtml(u.display_name)}</button></form>`,
      )
      .join('\n');
    const cancel = `<form method="post" action="authorize/approve">${hidden}<input type="hidden" name="deny" value="1"><button type="submit" data-deny="1">Cancel</button></form>`;
    return {
      status: 200,
      html: page(
        'Log in to the fake Spotify',
        `<p>This is an offline stand-in for Spotify. Pick a demo listener; one click approves access for <strong>Music Time Machine</strong> (${escapeHtml(q.scope ?? '')}).</p>\n${buttons}\n${cancel}`,
      ),
    };
  }

  function approve(form: Record<string, string>) {
    const redirectUri = form.redirect_uri ?? '';
    if (!redirectAllowed(redirectUri)) return { status: 400, html: page('INVALID_CLIENT: Invalid redirect URI', '') };
    if (form.deny) return { redirect: withParams(redirectUri, { error: 'access_denied', state: form.state }) };
    if (!form.user || !users.has(form.user)) return { status: 400, html: page('Unknown user', '') };
    const code = `fake-code-${randomBytes(18).toString('base64url')}`;
    codes.set(code, {
      user: form.user,
      redirectUri,
      challenge: form.code_challenge ?? '',
      scope: form.scope ?? '',
      expiresAt: now() + 10 * 60 * 1000,
      used: false,
    });
    return { redirect: withParams(redirectUri, { code, state: form.state }) };
  }

  function token(form: Record<string, string>, req: IncomingMessage) {
    const fail = (status: number, error: string, description: string) => new HttpAnswer(status, { error, error_description: description });
    const basic = req.headers.authorization?.startsWith('Basic ')
      ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8').split(':')
      : undefined;
    const presentedId = basic?.[0] ?? form.client_id;
    if (presentedId !== clientId) return fail(400, 'invalid_client', 'Invalid client');
    if (options.clientSecret && basic && basic[1] !== options.clientSecret) return fail(400, 'invalid_client', 'Invalid client secret');

    if (form.grant_type === 'authorization_code') {
      const code = form.code ? codes.get(form.code) : undefined;
      if (!code) return fail(400, 'invalid_grant', 'Invalid authorization code');
      if (code.used) return fail(400, 'invalid_grant', 'Authorization code already used');
      if (code.expiresAt <= now()) return fail(400, 'invalid_grant', 'Authorization code expired');
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

  // ---- server ------------------------------------------------------------------------------

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { status: 500, message: 'Fake Spotify failed' } }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    accountsUrl: url,
    apiUrl: `${url}/v1`,
    clientId,
    catalogue,
    requests,
    faults: {
      add: (rule) => void faults.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY }),
      clear: () => void (faults = []),
    },
    addUser,
    addUsers: (count, prefix = 'listener') => Array.from({ length: count }, (_, i) => addUser({ id: `${prefix}-${i + 1}`, display_name: `Listener ${i + 1}` })),
    users: () => [...users.values()],
    issueTokens,
    expireAccessTokens(user) {
      for (const token of accessTokens.values()) if (token.user === user) token.expiresAt = now() - 1;
    },
    revokeTokens(user) {
      for (const token of accessTokens.values()) if (token.user === user) token.revoked = true;
      for (const token of refreshTokens.values()) if (token.user === user) token.state = 'revoked';
    },
    topTrackObjects,
    playlists: (user) => [...playlists.values()].filter((p) => p.owner === user),
    clearRequests: () => void requests.splice(0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let catalogueCache: Catalogue | undefined;
/** The default catalogue is built once per process (about 3,000 tracks). */
export function sharedCatalogue(): Catalogue {
  return (catalogueCache ??= buildCatalogue());
}

function snapshotId(p: FakePlaylist): string {
  return Buffer.from(`${p.id}:${p.snapshots}`).toString('base64url');
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseRequestBody(contentType: string | undefined, raw: string): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  if (contentType?.includes('application/json')) {
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpAnswer(400, { error: { status: 400, message: 'Error parsing JSON.' } });
    }
  }
  return raw;
}

function withParams(base: string, params: Record<string, string | undefined>): string {
  const u = new URL(base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
