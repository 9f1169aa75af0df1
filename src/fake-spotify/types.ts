import type { Clock } from '../lib/clock.js';
import type { Catalogue } from './catalogue.js';
import type { TimeRange } from '../lib/time-ranges.js';
import type { Taste } from './taste.js';

/** The fake Spotify's public shapes: options, listeners, faults, the request log and the handle. */

export interface FakeUserInput {
  id: string;
  display_name: string;
  account_id?: string;
  /** How many top tracks each range has (default 50; 12 for a new account, 0 for an empty one). */
  topTrackCount?: number;
  /** Taste seed (default: the id), so two users can share a taste if a test wants. */
  tasteSeed?: string;
  /** Local files (id: null) the listener plays: one follows each of the first N top tracks. */
  localFiles?: number;
}

export interface FakeUser extends Required<Omit<FakeUserInput, 'tasteSeed' | 'localFiles'>> {
  localFiles: number;
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
  /**
   * The app's registered redirect URIs (default: DEFAULT_REDIRECT_URIS, the app's default
   * callback). /authorize shows an error page for any other URI and never redirects to it. Each
   * must be HTTPS or a loopback IP literal with a port (Spotify refuses `localhost`).
   */
  redirectUris?: readonly string[];
  /** Access token lifetime (default 3600 s, as Spotify). */
  accessTokenTtlSeconds?: number;
  /**
   * '2026' (default): a refresh token expires 6 months after the user's authorization and the
   * refresh grant never returns a new one. 'rotating': the pre-2026 behaviour (every refresh
   * returns a new refresh token and spends the old one; none expires).
   */
  refreshTokens?: '2026' | 'rotating';
  /**
   * Development mode's User Management list: when set, only these Spotify user ids (at most 5)
   * may use the Web API; any other gets Spotify's plain-text 403. Unset: everyone is allowed.
   */
  allowlist?: readonly string[];
  /**
   * 'development' (default): track objects as a development-mode app receives them since
   * 2026-03-09 (no external_ids, available_markets, popularity, linked_from). 'extended': with them.
   */
  quota?: 'development' | 'extended';
  /** Spotify's per-app rolling window: more than `requests` Web API calls in `windowSeconds` get 429. */
  rateLimit?: { requests: number; windowSeconds: number };
  users?: readonly FakeUserInput[];
  catalogue?: Catalogue;
}

/** When a listener approved the app: the start of their refresh token's 6 months. */
export interface IssueTokenOptions {
  scope?: string;
  authorizedAt?: Date;
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
  /** Tokens for a user without the browser login (tests, seeding); a string is the scope. */
  issueTokens(spotifyUserId: string, options?: string | IssueTokenOptions): TokenSet;
  /** Makes every access token of the user expired now. */
  expireAccessTokens(spotifyUserId: string): void;
  /** The user removed the app: every access and refresh token stops working. */
  revokeTokens(spotifyUserId: string): void;
  /** Registers one more redirect URI for the app. */
  registerRedirectUri(uri: string): void;
  /** Adds a user to the development-mode allowlist (throws past 5 users, or when there is none). */
  allowUser(spotifyUserId: string): void;
  /** The top tracks the fake would answer for (user, range, date): the model the demo seed uses. */
  topTrackObjects(spotifyUserId: string, timeRange: TimeRange, date: Date): Record<string, unknown>[];
  playlists(spotifyUserId: string): FakePlaylist[];
  clearRequests(): void;
  stop(): Promise<void>;
}
