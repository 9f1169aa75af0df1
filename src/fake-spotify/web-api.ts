import { randomInt } from 'node:crypto';
import { isTimeRange, type TimeRange } from '../lib/time-ranges.js';
import type { AccessToken, Accounts } from './accounts.js';
import { trackObject } from './catalogue.js';
import type { FakeContext } from './context.js';
import type { Allowlist } from './development-mode.js';
import { HttpAnswer, type FakeRequest, type Route } from './http.js';
import type { FakePlaylist } from './types.js';

/**
 * The fake Web API: the four calls the app makes (GET /v1/me, GET /v1/me/top/tracks,
 * POST /v1/me/playlists, POST /v1/playlists/{id}/items) with Spotify's shapes and errors:
 * Bearer tokens only (400 for any other scheme), 401 with WWW-Authenticate, the scope each call
 * needs (a private playlist needs playlist-modify-private, a public one playlist-modify-public),
 * base-62 ids, and the development-mode allowlist.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** RFC 6750: the challenge a 401 carries; `error` only when a token was presented. */
const CHALLENGE = 'Bearer realm="spotify"';
export const INVALID_TOKEN_CHALLENGE = `${CHALLENGE}, error="invalid_token"`;

export interface WebApi {
  routes: Route[];
  /** The access token of a Web API request; throws the 401 answer Spotify gives. */
  authenticate(request: FakeRequest): AccessToken;
  topTrackObjects(userId: string, timeRange: TimeRange, date: Date): Record<string, unknown>[];
  playlists(user: string): FakePlaylist[];
}

const apiError = (status: number, message: string, headers: Record<string, string> = {}) => new HttpAnswer(status, { error: { status, message } }, headers);

export function createWebApi(ctx: FakeContext, accounts: Accounts, allowlist: Allowlist): WebApi {
  const playlists = new Map<string, FakePlaylist>();
  const quota = ctx.options.quota ?? 'development';

  function topTrackObjects(userId: string, timeRange: TimeRange, date: Date) {
    const user = ctx.users.get(userId);
    if (!user) throw new Error(`fake Spotify has no user "${userId}"`);
    const tracks = user.taste.topTracks(timeRange, date, user.topTrackCount).map((t) => trackObject(t, `${ctx.url()}/v1`, quota));
    // A local file follows each of the first `localFiles` tracks, as Spotify lists them among the top.
    return tracks.flatMap((t, i) => (i < user.localFiles ? [t, localFileObject(user.id, i)] : [t]));
  }

  function authenticate({ headers }: FakeRequest): AccessToken {
    const auth = headers.authorization;
    if (!auth) throw apiError(401, 'No token provided', { 'www-authenticate': CHALLENGE });
    if (!auth.startsWith('Bearer ')) throw apiError(400, 'Only valid bearer authentication supported');
    const token = accounts.findAccessToken(auth.slice(7));
    if (!token || token.revoked) throw apiError(401, 'Invalid access token', { 'www-authenticate': INVALID_TOKEN_CHALLENGE });
    if (token.expiresAt <= ctx.now()) throw apiError(401, 'The access token expired', { 'www-authenticate': INVALID_TOKEN_CHALLENGE });
    allowlist.check(token.user);
    return token;
  }

  function requireScope(token: AccessToken, scope: string) {
    if (!token.scope.split(' ').includes(scope)) throw apiError(403, 'Insufficient client scope');
  }

  /** A playlist's visibility decides which modify scope a change needs. */
  const modifyScope = (isPublic: boolean) => (isPublic ? 'playlist-modify-public' : 'playlist-modify-private');

  function me(request: FakeRequest) {
    const auth = authenticate(request);
    const user = ctx.users.get(auth.user)!;
    return new HttpAnswer(200, {
      account_id: user.account_id,
      display_name: user.display_name,
      external_urls: { spotify: `https://open.spotify.com/user/${user.id}` },
      href: `${ctx.url()}/v1/users/${user.id}`,
      id: user.id,
      images: [],
      type: 'user',
      uri: `spotify:user:${user.id}`,
    });
  }

  function topTracks(request: FakeRequest) {
    const token = authenticate(request);
    const { query } = request;
    requireScope(token, 'user-top-read');
    const range = query.get('time_range') ?? 'medium_term';
    if (!isTimeRange(range)) throw apiError(400, 'Invalid time range');
    const limit = Number(query.get('limit') ?? 20);
    const offset = Number(query.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw apiError(400, 'Invalid limit');
    if (!Number.isInteger(offset) || offset < 0) throw apiError(400, 'Invalid offset');
    const all = topTrackObjects(token.user, range, ctx.clock.now());
    const items = all.slice(offset, offset + limit);
    const page = (o: number) => `${ctx.url()}/v1/me/top/tracks?offset=${o}&limit=${limit}&time_range=${range}`;
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

  function createPlaylist(request: FakeRequest) {
    const token = authenticate(request);
    const input = (request.body ?? {}) as { name?: unknown; description?: unknown; public?: unknown };
    // Spotify's default is a public playlist.
    const isPublic = input.public === undefined ? true : input.public === true;
    requireScope(token, modifyScope(isPublic));
    if (typeof input.name !== 'string' || input.name === '') throw apiError(400, 'Missing required field: name');
    const id = base62Id();
    const playlist: FakePlaylist = {
      id,
      owner: token.user,
      name: input.name,
      description: typeof input.description === 'string' ? input.description : null,
      public: isPublic,
      items: [],
      snapshots: 1,
      createdAt: ctx.clock.now(),
    };
    playlists.set(id, playlist);
    return new HttpAnswer(201, playlistObject(playlist));
  }

  function addItems(request: FakeRequest) {
    const token = authenticate(request);
    const playlist = playlists.get(request.params[0]!);
    if (!playlist) throw apiError(404, 'Resource not found');
    requireScope(token, modifyScope(playlist.public));
    if (playlist.owner !== token.user) throw apiError(403, 'You cannot add items to a playlist you do not own.');
    const uris = (request.body as { uris?: unknown } | undefined)?.uris;
    if (!Array.isArray(uris) || uris.length === 0) throw apiError(400, 'No uris provided');
    if (uris.length > 100) throw apiError(400, 'Too many ids requested');
    if (!uris.every((u) => typeof u === 'string' && /^spotify:(track|episode):[0-9A-Za-z]{22}$/.test(u))) throw apiError(400, 'Invalid base62 id');
    playlist.items.push(...(uris as string[]));
    playlist.snapshots += 1;
    return new HttpAnswer(201, { snapshot_id: snapshotId(playlist) });
  }

  function playlistObject(p: FakePlaylist) {
    const owner = ctx.users.get(p.owner)!;
    const url = ctx.url();
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

  return {
    routes: [
      { method: 'GET', path: '/v1/me', handle: me },
      { method: 'GET', path: '/v1/me/top/tracks', handle: topTracks },
      { method: 'POST', path: '/v1/me/playlists', handle: createPlaylist },
      { method: 'POST', path: /^\/v1\/playlists\/([^/]+)\/items$/, handle: addItems },
    ],
    authenticate,
    topTrackObjects,
    playlists: (user) => [...playlists.values()].filter((p) => p.owner === user),
  };
}

/** A local file as Spotify lists it: no ids, no links, a spotify:local: URI. */
function localFileObject(user: string, n: number): Record<string, unknown> {
  const name = `Home Recording ${n + 1}`;
  return {
    album: { album_type: null, artists: [], available_markets: [], external_urls: {}, href: null, id: null, images: [], name: 'Local Files', release_date: null, release_date_precision: null, type: 'album', uri: null },
    artists: [{ external_urls: {}, href: null, id: null, name: user, type: 'artist', uri: null }],
    disc_number: 0,
    duration_ms: 180_000 + n * 1000,
    explicit: false,
    external_ids: {},
    external_urls: {},
    href: null,
    id: null,
    is_local: true,
    name,
    preview_url: null,
    track_number: 0,
    type: 'track',
    uri: `spotify:local:${encodeURIComponent(user)}:Local+Files:${encodeURIComponent(name).replace(/%20/g, '+')}:${180 + n}`,
  };
}

/** A random 22-character base-62 id, the shape of every Spotify id. */
function base62Id(): string {
  let id = '';
  for (let i = 0; i < 22; i++) id += BASE62[randomInt(62)];
  return id;
}

function snapshotId(p: FakePlaylist): string {
  return Buffer.from(`${p.id}:${p.snapshots}`).toString('base64url');
}
