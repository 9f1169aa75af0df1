import type { User } from '../db/schema.js';
import { NotFoundError } from '../lib/errors.js';
import type { Db } from './executor.js';

export interface UserIdentity {
  spotifyId: string;
  displayName?: string | null;
  accountId?: string | null;
}

/**
 * Creates the user on first sight, otherwise refreshes the profile fields we were given.
 * Idempotent; a null/undefined field never erases what we already know.
 */
export async function upsertUser(db: Db, identity: UserIdentity): Promise<User> {
  return db
    .insertInto('users')
    .values({
      spotify_id: identity.spotifyId,
      display_name: identity.displayName ?? null,
      account_id: identity.accountId ?? null,
    })
    .onConflict((oc) =>
      oc.column('spotify_id').doUpdateSet((eb) => ({
        display_name: eb.fn.coalesce('excluded.display_name', 'users.display_name'),
        account_id: eb.fn.coalesce('excluded.account_id', 'users.account_id'),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findUserBySpotifyId(db: Db, spotifyId: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('spotify_id', '=', spotifyId).executeTakeFirst();
}

/** Every user's Spotify id by user id (to name users in reports). */
export async function listSpotifyIdsByUserId(db: Db): Promise<Map<number, string>> {
  const rows = await db.selectFrom('users').select(['id', 'spotify_id']).execute();
  return new Map(rows.map((u) => [u.id, u.spotify_id]));
}

export async function getUser(db: Db, userId: number): Promise<User> {
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user) throw new NotFoundError(`No user with id ${userId}.`);
  return user;
}

/**
 * A successful Spotify login: remember when, and clear any "log in again" flag. A login is a
 * consent, so it is also the new authorization time (Spotify's 6 months start again).
 */
export async function recordLogin(db: Db, userId: number, at: Date): Promise<void> {
  await db.updateTable('users').set({ last_login_at: at, needs_reauth: false, spotify_authorized_at: at }).where('id', '=', userId).execute();
}

/** Tokens were granted without a login (the demo's listeners): their 6 months start now. */
export async function recordSpotifyAuthorization(db: Db, userId: number, at: Date): Promise<void> {
  await db.updateTable('users').set({ spotify_authorized_at: at }).where('id', '=', userId).execute();
}

/** Spotify refused the user's refresh token: captures stop until they log in again. */
export async function markNeedsReauth(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set({ needs_reauth: true }).where('id', '=', userId).execute();
}

export async function findUser(db: Db, userId: number): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
}

export async function clearNeedsReauth(db: Db, userId: number): Promise<void> {
  await db.updateTable('users').set({ needs_reauth: false }).where('id', '=', userId).execute();
}

/**
 * Ends every session of the user on every instance (logout, disconnect, account deletion):
 * cookies carry the session_version they were issued with, and the session plugin refuses a
 * cookie whose version is no longer the user's. Returns the new version (undefined: no such user).
 */
export async function endUserSessions(db: Db, userId: number): Promise<number | undefined> {
  const row = await db
    .updateTable('users')
    .set((eb) => ({ session_version: eb('session_version', '+', 1) }))
    .where('id', '=', userId)
    .returning('session_version')
    .executeTakeFirst();
  return row?.session_version;
}

/**
 * Removes a user that a failed import created: only while nothing else refers to them (never
 * logged in, no tokens, no snapshots), so a concurrent first login or capture is never undone.
 * Their import_runs rows go with them (ON DELETE CASCADE). Returns whether a row was deleted.
 */
export async function deleteUnusedUser(db: Db, userId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('users')
    .where('id', '=', userId)
    .where('last_login_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('snapshots').select('snapshots.user_id').whereRef('snapshots.user_id', '=', 'users.id'))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('spotify_tokens').select('spotify_tokens.user_id').whereRef('spotify_tokens.user_id', '=', 'users.id'))),
    )
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
