import { AppError } from '../lib/errors.js';

/**
 * What can go wrong talking to Spotify, as errors callers can act on: schedule around a rate
 * limit, ask the user to log in again, retry later, or report a broken response.
 */

/** Spotify answered 429 with a wait longer than we are willing to sit through in-process. */
export class SpotifyRateLimitedError extends AppError {
  readonly retryAfterSeconds: number;
  readonly retryAt: Date;
  readonly endpoint: string;

  constructor(endpoint: string, retryAfterSeconds: number, retryAt: Date, options?: { cause?: unknown }) {
    super(
      'spotify_rate_limited',
      429,
      `Spotify is rate limiting this app (${endpoint}); try again after ${retryAt.toISOString()}.`,
      options,
    );
    this.endpoint = endpoint;
    this.retryAfterSeconds = retryAfterSeconds;
    this.retryAt = retryAt;
  }
}

/** Why Spotify refused a refresh token: past its 6 months ('expired') or anything else ('revoked'). */
export type ReauthReason = 'expired' | 'revoked';

/** No usable tokens: never logged in, refresh token revoked or rejected. The user must log in again. */
export class SpotifyReauthRequiredError extends AppError {
  /** Set when Spotify itself refused the user's access (not when we simply hold no tokens). */
  readonly reason: ReauthReason | undefined;

  constructor(
    message = 'Spotify no longer accepts this app\'s access for your account. Please log in with Spotify again.',
    options?: { cause?: unknown; reason?: ReauthReason },
  ) {
    super('spotify_reauth_required', 401, message, options);
    this.reason = options?.reason;
  }
}

/** 5xx answers, network errors and timeouts that outlasted the retries. */
export class SpotifyUnavailableError extends AppError {
  readonly endpoint: string;

  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super('spotify_unavailable', 503, `Spotify is not answering (${endpoint}: ${detail}). Please try again in a few minutes.`, options);
    this.endpoint = endpoint;
  }
}

/** A 2xx answer whose body is not what the endpoint promises (not JSON, or missing fields we read). */
export class SpotifyResponseError extends AppError {
  readonly endpoint: string;

  constructor(endpoint: string, detail: string, options?: { cause?: unknown }) {
    super('spotify_bad_response', 502, `Spotify sent an unexpected response for ${endpoint}: ${detail}.`, options);
    this.endpoint = endpoint;
  }
}

/** The access token was refused (401). Callers holding a refresh token refresh once and retry. */
export class SpotifyUnauthorizedError extends AppError {
  readonly endpoint: string;

  constructor(endpoint: string, detail: string) {
    super('spotify_unauthorized', 401, `Spotify refused the access token for ${endpoint}: ${detail}.`);
    this.endpoint = endpoint;
  }
}

/** Any other 4xx from Spotify (bad request, forbidden: e.g. a user not added to a development-mode app). */
export class SpotifyRequestError extends AppError {
  readonly endpoint: string;
  readonly spotifyStatus: number;

  constructor(endpoint: string, spotifyStatus: number, detail: string) {
    const hint =
      spotifyStatus === 403
        ? ' If the app is in development mode, the account must be added under "User Management" in the Spotify dashboard.'
        : '';
    super('spotify_request_failed', 502, `Spotify refused ${endpoint} (${spotifyStatus}: ${detail}).${hint}`);
    this.endpoint = endpoint;
    this.spotifyStatus = spotifyStatus;
  }
}

/** The authorization code could not be exchanged (expired, reused, wrong verifier or redirect URI). */
export class SpotifyAuthError extends AppError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('spotify_auth_failed', 400, `Spotify did not accept the login (${detail}).`, options);
  }
}

/** Spotify's exact plain-text answer for an account missing from a development-mode app's User Management. */
export const NOT_REGISTERED_TEXT = 'User not registered in the Developer Dashboard';

/**
 * A development-mode app may be used only by the accounts its owner added under "User
 * Management" (five at most); Spotify refuses anyone else with a plain-text 403.
 */
export class SpotifyUserNotRegisteredError extends AppError {
  readonly endpoint: string;

  constructor(endpoint: string) {
    super(
      'spotify_user_not_registered',
      403,
      `Spotify refused ${endpoint}: this account is not under "User Management" of the app, which is in development mode (at most 5 users).`,
    );
    this.endpoint = endpoint;
  }
}
