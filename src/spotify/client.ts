import type { TSchema, Static } from 'typebox';
import { loadCompile, type Compile } from '../lib/typebox-compile.js';
import type { Clock } from '../lib/clock.js';
import {
  SpotifyAuthError,
  SpotifyRateLimitedError,
  SpotifyReauthRequiredError,
  SpotifyRequestError,
  SpotifyResponseError,
  SpotifyUnauthorizedError,
  SpotifyUnavailableError,
  SpotifyUserNotRegisteredError,
  NOT_REGISTERED_TEXT,
} from './errors.js';
import {
  AccountsErrorBody,
  PagingTrackObject,
  PlaylistObject,
  PlaylistSnapshotId,
  PrivateUserObject,
  TokenResponse,
  WebApiErrorBody,
  type SpotifyPlaylist,
  type SpotifyTokenResponse,
  type SpotifyTopTracksPage,
  type SpotifyUser,
} from './types.js';
import type { TimeRange } from '../lib/time-ranges.js';

/** A gate awaited before every HTTP request to Spotify (e.g. a process-wide rate limiter). */
export interface RequestLimiter {
  acquire(): Promise<void>;
}

export interface SpotifyClientOptions {
  /** e.g. https://accounts.spotify.com (no trailing slash). */
  accountsUrl: string;
  /** Where browsers are sent for /authorize, when it differs from accountsUrl (demo mode's proxy). */
  browserAccountsUrl?: string | undefined;
  /** e.g. https://api.spotify.com/v1 (no trailing slash). */
  apiUrl: string;
  clientId: string;
  /** Optional with PKCE; when set the token calls also authenticate with HTTP Basic. */
  clientSecret?: string | undefined;
  fetch: typeof globalThis.fetch;
  clock: Clock;
  /** A 429 whose Retry-After is at most this is waited out in-process; longer ones throw. */
  maxInProcessWaitSeconds: number;
  limiter?: RequestLimiter | undefined;
  /** Retries after a 5xx, network error or timeout (default 3, so 4 attempts). */
  maxRetries?: number;
  /** First backoff step; doubles per retry, with full jitter (default 250 ms). */
  backoffBaseMs?: number;
  /** One request's time limit (default 10 s). */
  requestTimeoutMs?: number;
  /** How many 429s one call waits out before giving up with SpotifyRateLimitedError (default 3). */
  maxRateLimitWaits?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface AuthorizeUrlInput {
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scope: string;
}

export interface TopTracksOptions {
  limit?: number;
  offset?: number;
}

export interface CreatePlaylistInput {
  name: string;
  description?: string;
  public?: boolean;
}

const REFRESH_ENDPOINT = 'POST /api/token (refresh)';

/** Spotify accepts at most this many URIs per "add items" call. */
export const MAX_ITEMS_PER_ADD = 100;

/**
 * Exactly what the app uses: top tracks, and private playlists (every playlist it creates is
 * private, so playlist-modify-public is never needed).
 */
export const LOGIN_SCOPES = ['user-top-read', 'playlist-modify-private'] as const;

export type SpotifyClient = ReturnType<typeof createSpotifyClient>;

/**
 * The typed client for the calls the app makes: token endpoint (code exchange, refresh) and the
 * four Web API calls. It knows nothing about users or storage; access tokens are passed in.
 * Every answer is validated; every failure is one of the errors in errors.ts.
 */
export function createSpotifyClient(options: SpotifyClientOptions) {
  const maxRetries = options.maxRetries ?? 3;
  const backoffBaseMs = options.backoffBaseMs ?? 250;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const maxRateLimitWaits = options.maxRateLimitWaits ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const accountsUrl = options.accountsUrl.replace(/\/+$/, '');
  const browserAccountsUrl = (options.browserAccountsUrl ?? accountsUrl).replace(/\/+$/, '');
  const apiUrl = options.apiUrl.replace(/\/+$/, '');

  interface Call<S extends TSchema> {
    /** "GET /me/top/tracks": how errors name the call. */
    endpoint: string;
    url: string;
    init: RequestInit;
    schema: S;
    kind: 'api' | 'token';
    /**
     * False for calls that change state and are not safe to send twice (create a playlist, add
     * items): those are retried only when Spotify surely did not act (429, 502/503/504, or the
     * connection was refused), never after a timeout or a 500, which would duplicate playlists
     * or tracks. Token calls are safe to repeat: a spent refresh token just fails with invalid_grant.
     */
    idempotent: boolean;
  }

  /** Sends one call with the retry, rate-limit and validation rules; returns the validated body. */
  async function send<S extends TSchema>(call: Call<S>): Promise<Static<S>> {
    const compile = await loadCompile();
    let failures = 0;
    let rateLimitWaits = 0;
    for (;;) {
      await options.limiter?.acquire();
      let response: Response;
      let text: string;
      try {
        response = await options.fetch(call.url, { ...call.init, signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (error) {
        const detail = isTimeout(error) ? `no answer within ${timeoutMs} ms` : `network error: ${networkDetail(error)}`;
        const retriable = call.idempotent || neverReachedSpotify(error);
        if (!retriable || failures >= maxRetries) throw new SpotifyUnavailableError(call.endpoint, detail, { cause: error });
        await sleep(backoff(failures++));
        continue;
      }

      if (response.ok) return parseBody(call, text, compile);

      if (response.status === 429) {
        const retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'), options.clock.now());
        const retryAt = new Date(options.clock.now().getTime() + retryAfterSeconds * 1000);
        if (retryAfterSeconds <= options.maxInProcessWaitSeconds && rateLimitWaits < maxRateLimitWaits) {
          rateLimitWaits += 1;
          await sleep(retryAfterSeconds * 1000);
          continue;
        }
        throw new SpotifyRateLimitedError(call.endpoint, retryAfterSeconds, retryAt);
      }

      if (response.status >= 500) {
        const retriable = call.idempotent || [502, 503, 504].includes(response.status);
        if (!retriable || failures >= maxRetries) {
          throw new SpotifyUnavailableError(call.endpoint, `HTTP ${response.status} after ${failures + 1} attempt${failures ? 's' : ''}`);
        }
        await sleep(backoff(failures++));
        continue;
      }

      throw clientError(call, response.status, text, compile);
    }
  }

  function backoff(failures: number): number {
    // Full jitter: a random wait up to the exponential step, so many clients do not retry in step.
    return Math.round(random() * backoffBaseMs * 2 ** failures);
  }

  function parseBody<S extends TSchema>(call: Call<S>, text: string, compile: Compile): Static<S> {
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      throw new SpotifyResponseError(call.endpoint, 'the body is not JSON', { cause: error });
    }
    const validator = compiled(compile, call.schema);
    if (!validator.Check(body)) {
      const first = [...validator.Errors(body)][0];
      const where = first?.instancePath ? `${first.instancePath} ${first.message}` : (first?.message ?? 'does not match');
      throw new SpotifyResponseError(call.endpoint, where);
    }
    return body as Static<S>;
  }

  function clientError(call: Call<TSchema>, status: number, text: string, compile: Compile): Error {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (call.kind === 'token') {
      const body = compiled(compile, AccountsErrorBody).Check(json) ? (json as { error: string; error_description?: string }) : undefined;
      const detail = body ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : `HTTP ${status}`;
      if (call.endpoint !== REFRESH_ENDPOINT) return new SpotifyAuthError(detail);
      // invalid_grant: this user's refresh token is revoked, expired or already spent. Anything
      // else (invalid_client: a wrong SPOTIFY_CLIENT_ID/SECRET) is the operator's to fix, and
      // logging in again would not help, so it must not flag the user.
      if (body?.error === 'invalid_grant') {
        // Since 2026 a refresh token dies six months after the user's consent ("Refresh token expired").
        const reason = /expired/i.test(body.error_description ?? '') ? 'expired' : 'revoked';
        const message =
          reason === 'expired'
            ? 'Your Spotify access expired (Spotify ends it six months after you last logged in). Please log in with Spotify again.'
            : undefined;
        return new SpotifyReauthRequiredError(message, { cause: new Error(detail), reason });
      }
      return new SpotifyRequestError(call.endpoint, status, detail);
    }
    if (status === 403 && text.trim() === NOT_REGISTERED_TEXT) return new SpotifyUserNotRegisteredError(call.endpoint);
    const message = compiled(compile, WebApiErrorBody).Check(json) ? (json as { error: { message: string } }).error.message : `HTTP ${status}`;
    if (status === 401) return new SpotifyUnauthorizedError(call.endpoint, message);
    return new SpotifyRequestError(call.endpoint, status, message);
  }

  function tokenCall(endpoint: string, form: Record<string, string>): Call<typeof TokenResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (options.clientSecret) {
      headers.authorization = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64')}`;
    }
    return {
      endpoint,
      url: `${accountsUrl}/api/token`,
      init: { method: 'POST', headers, body: new URLSearchParams({ ...form, client_id: options.clientId }).toString() },
      schema: TokenResponse,
      kind: 'token',
      idempotent: true,
    };
  }

  function apiCall<S extends TSchema>(endpoint: string, path: string, accessToken: string, schema: S, body?: unknown): Call<S> {
    const [method] = endpoint.split(' ');
    const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return {
      endpoint,
      url: `${apiUrl}${path}`,
      init: { method, headers, body: body === undefined ? undefined : JSON.stringify(body) },
      schema,
      kind: 'api',
      idempotent: method === 'GET',
    };
  }

  return {
    options: { accountsUrl, apiUrl, clientId: options.clientId },

    /** Where to send the browser to log in (Authorization Code with PKCE, S256). */
    authorizeUrl(input: AuthorizeUrlInput): string {
      const params = new URLSearchParams({
        client_id: options.clientId,
        response_type: 'code',
        redirect_uri: input.redirectUri,
        code_challenge_method: 'S256',
        code_challenge: input.codeChallenge,
        state: input.state,
        scope: input.scope,
      });
      return `${browserAccountsUrl}/authorize?${params.toString()}`;
    },

    exchangeCode(input: { code: string; redirectUri: string; codeVerifier: string }): Promise<SpotifyTokenResponse> {
      return send(
        tokenCall('POST /api/token (authorization_code)', {
          grant_type: 'authorization_code',
          code: input.code,
          redirect_uri: input.redirectUri,
          code_verifier: input.codeVerifier,
        }),
      );
    },

    /** Throws SpotifyReauthRequiredError when the refresh token is revoked or already used. */
    refreshToken(refreshToken: string): Promise<SpotifyTokenResponse> {
      return send(tokenCall(REFRESH_ENDPOINT, { grant_type: 'refresh_token', refresh_token: refreshToken }));
    },

    getMe(accessToken: string): Promise<SpotifyUser> {
      return send(apiCall('GET /me', '/me', accessToken, PrivateUserObject));
    },

    getTopTracks(accessToken: string, timeRange: TimeRange, page: TopTracksOptions = {}): Promise<SpotifyTopTracksPage> {
      const query = new URLSearchParams({
        time_range: timeRange,
        limit: String(page.limit ?? 50),
        offset: String(page.offset ?? 0),
      });
      return send(apiCall('GET /me/top/tracks', `/me/top/tracks?${query.toString()}`, accessToken, PagingTrackObject));
    },

    createPlaylist(accessToken: string, input: CreatePlaylistInput): Promise<SpotifyPlaylist> {
      const body = { name: input.name, public: input.public ?? false, ...(input.description ? { description: input.description } : {}) };
      return send(apiCall('POST /me/playlists', '/me/playlists', accessToken, PlaylistObject, body));
    },

    /** Adds URIs in order, 100 per call; returns the playlist's snapshot id after the last call. */
    async addPlaylistItems(accessToken: string, playlistId: string, uris: readonly string[]): Promise<{ snapshot_id: string | null; calls: number }> {
      let snapshotId: string | null = null;
      let calls = 0;
      for (let start = 0; start < uris.length; start += MAX_ITEMS_PER_ADD) {
        const chunk = uris.slice(start, start + MAX_ITEMS_PER_ADD);
        const result = await send(
          apiCall('POST /playlists/{id}/items', `/playlists/${encodeURIComponent(playlistId)}/items`, accessToken, PlaylistSnapshotId, { uris: chunk }),
        );
        snapshotId = result.snapshot_id;
        calls += 1;
      }
      return { snapshot_id: snapshotId, calls };
    },
  };
}

const validators = new WeakMap<TSchema, ReturnType<Compile>>();
function compiled(compile: Compile, schema: TSchema) {
  let validator = validators.get(schema);
  if (!validator) {
    validator = compile(schema);
    validators.set(schema, validator);
  }
  return validator;
}

/** Retry-After in seconds (Spotify sends seconds); an HTTP date also works; missing means 1 s. */
export function parseRetryAfter(value: string | null, now: Date): number {
  if (!value) return 1;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
  return 1;
}

/** Connection refused or name not resolved: the request never reached Spotify. */
function neverReachedSpotify(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

function networkDetail(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code ? `${(error as Error).message} (${cause.code})` : (error as Error).message;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
