import type { Selectable } from 'kysely';
import type { SpotifyTokensTable } from '../db/schema.js';
import type { Db } from './executor.js';

/** A user's tokens as stored: ciphertexts only; decrypting is the caller's business. */
export type StoredSpotifyTokens = Selectable<SpotifyTokensTable>;

export interface SpotifyTokensWrite {
  userId: number;
  accessTokenEnc: string;
  refreshTokenEnc: string;
  expiresAt: Date;
  scope: string;
  /** Now, by the caller's clock: the row's updated_at. */
  at: Date;
}

export async function findSpotifyTokens(db: Db, userId: number): Promise<StoredSpotifyTokens | undefined> {
  return db.selectFrom('spotify_tokens').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/**
 * The user's tokens, row-locked until the surrounding transaction ends: whoever holds the lock
 * is the only one who may spend the (single-use, rotating) refresh token. Call inside a transaction.
 */
export async function lockSpotifyTokens(db: Db, userId: number): Promise<StoredSpotifyTokens | undefined> {
  return db.selectFrom('spotify_tokens').selectAll().where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

/** Stores the user's current tokens, replacing the previous ones. Idempotent. */
export async function upsertSpotifyTokens(db: Db, write: SpotifyTokensWrite): Promise<void> {
  const values = {
    access_token_enc: write.accessTokenEnc,
    refresh_token_enc: write.refreshTokenEnc,
    expires_at: write.expiresAt,
    scope: write.scope,
    updated_at: write.at,
  };
  await db
    .insertInto('spotify_tokens')
    .values({ user_id: write.userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export async function deleteSpotifyTokens(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('spotify_tokens').where('user_id', '=', userId).execute();
}
