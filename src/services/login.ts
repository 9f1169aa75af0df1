import type { User } from '../db/schema.js';
import { closeAccessLapse } from '../repositories/access-lapses.js';
import { inTransaction } from '../repositories/executor.js';
import { recordLogin, upsertUser } from '../repositories/users.js';
import { SpotifyResponseError } from '../spotify/errors.js';
import { saveTokenResponse, type SpotifyUserDeps } from './spotify-user.js';

export interface LoginCallback {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/**
 * The end of the Authorization Code + PKCE flow: exchange the code, read the profile, then create
 * or update the user and store their encrypted tokens in one transaction.
 * Throws SpotifyAuthError (code refused), SpotifyUnavailableError, SpotifyResponseError.
 */
export async function completeLogin(deps: SpotifyUserDeps, callback: LoginCallback): Promise<User> {
  const tokens = await deps.client.exchangeCode(callback);
  if (!tokens.refresh_token) throw new SpotifyResponseError('POST /api/token (authorization_code)', 'no refresh_token in the answer');
  const me = await deps.client.getMe(tokens.access_token);
  return inTransaction(deps.db, async (trx) => {
    const user = await upsertUser(trx, { spotifyId: me.id, displayName: me.display_name ?? null, accountId: me.account_id ?? null });
    const now = deps.clock.now();
    // A login is a fresh consent: a new refresh token, and Spotify's 6 months start again.
    await recordLogin(trx, user.id, now);
    await closeAccessLapse(trx, user.id, now);
    await saveTokenResponse({ ...deps, db: trx }, user.id, tokens);
    return { ...user, needs_reauth: false, last_login_at: now, spotify_authorized_at: now };
  });
}
