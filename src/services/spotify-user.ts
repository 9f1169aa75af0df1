import type { Clock } from '../lib/clock.js';
import type { TokenCipher } from '../lib/token-cipher.js';
import { inTransaction, type Db } from '../repositories/executor.js';
import { findSpotifyTokens, lockSpotifyTokens, upsertSpotifyTokens } from '../repositories/spotify-tokens.js';
import { openAccessLapse } from '../repositories/access-lapses.js';
import { markNeedsReauth } from '../repositories/users.js';
import { MAX_ITEMS_PER_ADD, type CreatePlaylistInput, type SpotifyClient, type TopTracksOptions } from '../spotify/client.js';
import { SpotifyReauthRequiredError, SpotifyUnauthorizedError } from '../spotify/errors.js';
import type { TimeRange } from '../lib/time-ranges.js';
import type { SpotifyPlaylist, SpotifyTokenResponse, SpotifyTopTracksPage, SpotifyUser } from '../spotify/types.js';

export interface SpotifyUserDeps {
  db: Db;
  client: SpotifyClient;
  cipher: TokenCipher;
  clock: Clock;
  /** This user's bucket of the Spotify budget (deps.ts: a fair share of SPOTIFY_RATE_LIMIT). */
  userLimiter?: { acquire(): Promise<void> };
}

/** Spotify calls on behalf of one stored user. */
export interface SpotifyForUser {
  readonly userId: number;
  getMe(): Promise<SpotifyUser>;
  getTopTracks(timeRange: TimeRange, page?: TopTracksOptions): Promise<SpotifyTopTracksPage>;
  createPlaylist(input: CreatePlaylistInput): Promise<SpotifyPlaylist>;
  /** Adds the URIs in order, at most 100 per call. */
  addPlaylistItems(playlistId: string, uris: readonly string[]): Promise<{ snapshot_id: string | null; calls: number }>;
}

/** Refresh this long before the stored expiry, so a token never dies mid-capture. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * The user's Spotify, with token care: loads the encrypted tokens, refreshes them before they
 * expire or once after a 401, and stores the new access token (and a rotated refresh token, when
 * Spotify sends one; since 2026 it keeps the original) in the transaction that refreshed. Throws SpotifyReauthRequiredError (and sets users.needs_reauth) when Spotify no
 * longer accepts the refresh token.
 */
export function spotifyForUser(deps: SpotifyUserDeps, userId: number): SpotifyForUser {
  async function withToken<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    // This user's share of the instance's Spotify budget first, then the shared bucket (in the client).
    const work = async (accessToken: string) => {
      await deps.userLimiter?.acquire();
      return call(accessToken);
    };
    const token = await currentAccessToken(deps, userId);
    try {
      return await work(token);
    } catch (error) {
      if (!(error instanceof SpotifyUnauthorizedError)) throw error;
    }
    // The token was refused before its expiry (revoked, or the clocks disagree): refresh once.
    const fresh = await refreshAccessToken(deps, userId, token);
    try {
      return await work(fresh);
    } catch (error) {
      if (!(error instanceof SpotifyUnauthorizedError)) throw error;
      await markNeedsReauth(deps.db, userId);
      await openAccessLapse(deps.db, userId, { at: deps.clock.now(), cause: 'revoked' });
      throw new SpotifyReauthRequiredError(undefined, { cause: error, reason: 'revoked' });
    }
  }

  return {
    userId,
    getMe: () => withToken((t) => deps.client.getMe(t)),
    getTopTracks: (timeRange, page) => withToken((t) => deps.client.getTopTracks(t, timeRange, page)),
    createPlaylist: (input) => withToken((t) => deps.client.createPlaylist(t, input)),
    async addPlaylistItems(playlistId, uris) {
      // One chunk per withToken: a refresh between chunks never re-sends a chunk already added.
      let snapshotId: string | null = null;
      let calls = 0;
      for (let start = 0; start < uris.length; start += MAX_ITEMS_PER_ADD) {
        const chunk = uris.slice(start, start + MAX_ITEMS_PER_ADD);
        const result = await withToken((t) => deps.client.addPlaylistItems(t, playlistId, chunk));
        snapshotId = result.snapshot_id;
        calls += result.calls;
      }
      return { snapshot_id: snapshotId, calls };
    },
  };
}

/** Stores the tokens of a fresh login (or any token answer) for the user. */
export async function saveTokenResponse(
  deps: Pick<SpotifyUserDeps, 'cipher' | 'clock'> & { db: Db },
  userId: number,
  answer: SpotifyTokenResponse,
  previousRefreshToken?: string,
): Promise<void> {
  const refresh = answer.refresh_token ?? previousRefreshToken;
  if (!refresh) throw new SpotifyReauthRequiredError('Spotify did not send a refresh token; please log in again.');
  const now = deps.clock.now();
  await upsertSpotifyTokens(deps.db, {
    userId,
    accessTokenEnc: deps.cipher.encrypt(answer.access_token),
    refreshTokenEnc: deps.cipher.encrypt(refresh),
    expiresAt: new Date(now.getTime() + answer.expires_in * 1000),
    scope: answer.scope ?? '',
    at: now,
  });
}

async function currentAccessToken(deps: SpotifyUserDeps, userId: number): Promise<string> {
  const row = await findSpotifyTokens(deps.db, userId);
  if (!row) throw new SpotifyReauthRequiredError('This account is not connected to Spotify. Please log in with Spotify.');
  const access = deps.cipher.decrypt(row.access_token_enc);
  if (row.expires_at.getTime() - REFRESH_MARGIN_MS > deps.clock.now().getTime()) return access;
  return refreshAccessToken(deps, userId, access);
}

/** In-process single flight: one refresh per user per client at a time; the others share it. */
const inFlight = new WeakMap<SpotifyClient, Map<number, Promise<string>>>();

function refreshAccessToken(deps: SpotifyUserDeps, userId: number, staleAccess: string): Promise<string> {
  let perClient = inFlight.get(deps.client);
  if (!perClient) inFlight.set(deps.client, (perClient = new Map()));
  const running = perClient.get(userId);
  if (running) return running;
  const refresh = refreshUnderLock(deps, userId, staleAccess).finally(() => perClient.delete(userId));
  perClient.set(userId, refresh);
  return refresh;
}

/**
 * Across processes (several app instances, the job worker) the row lock decides: the first to
 * lock spends the refresh token and stores the new pair before committing; the others wait for
 * the lock, then find a newer access token and use it instead of spending a dead refresh token.
 * The lock is held for one token call (bounded by the client's timeout and retries).
 */
async function refreshUnderLock(deps: SpotifyUserDeps, userId: number, staleAccess: string): Promise<string> {
  try {
    return await inTransaction(deps.db, async (trx) => {
      const row = await lockSpotifyTokens(trx, userId);
      if (!row) throw new SpotifyReauthRequiredError('This account is not connected to Spotify. Please log in with Spotify.');
      const stored = deps.cipher.decrypt(row.access_token_enc);
      const stillValid = row.expires_at.getTime() - REFRESH_MARGIN_MS > deps.clock.now().getTime();
      if (stored !== staleAccess && stillValid) return stored;
      const refreshToken = deps.cipher.decrypt(row.refresh_token_enc);
      const answer = await deps.client.refreshToken(refreshToken);
      await saveTokenResponse({ ...deps, db: trx }, userId, answer, refreshToken);
      return answer.access_token;
    });
  } catch (error) {
    if (error instanceof SpotifyReauthRequiredError) {
      await markNeedsReauth(deps.db, userId);
      // Spotify refused the access itself (not "no tokens stored"): the archive's gap starts now.
      if (error.reason) await openAccessLapse(deps.db, userId, { at: deps.clock.now(), cause: error.reason });
    }
    throw error;
  }
}
