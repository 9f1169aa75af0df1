import { sql } from '../db/kysely.js';
import type { CaptureState } from '../db/schema.js';
import type { TimeRange } from '../lib/time-ranges.js';
import { inTransaction, type Db } from './executor.js';
import { markNeedsReauth } from './users.js';

/** Tracks stored per range by one capture. */
export type CaptureCounts = Record<TimeRange, number>;

/**
 * Claims every user with a working token for the scheduled capture of `date` and returns the
 * claimed user ids. The claim is a conditional upsert of `scheduled_date`: when several app
 * instances run this at once, PostgreSQL's row locks let exactly one of them claim each user
 * for each day (the others see the updated row and their WHERE no longer matches).
 */
export async function claimScheduledCaptures(db: Db, date: string): Promise<number[]> {
  const result = await sql<{ user_id: number }>`
    insert into capture_status (user_id, state, scheduled_date, updated_at)
    select u.id, 'queued', ${date}::date, now()
    from users u
    where not u.needs_reauth
      and exists (select 1 from spotify_tokens t where t.user_id = u.id)
    on conflict (user_id) do update
      set state = 'queued', scheduled_date = excluded.scheduled_date, next_run_at = null,
          attempts = 0, updated_at = now()
      where capture_status.scheduled_date is null or capture_status.scheduled_date < excluded.scheduled_date
    returning user_id`.execute(db);
  return result.rows.map((r) => r.user_id).sort((a, b) => a - b);
}

export interface CaptureStatus {
  user_id: number;
  state: CaptureState;
  scheduled_date: string | null;
  last_success_at: Date | null;
  last_success_date: string | null;
  last_result: CaptureCounts | null;
  last_error: string | null;
  last_error_code: string | null;
  last_error_at: Date | null;
  attempts: number;
  next_run_at: Date | null;
}

export async function findCaptureStatus(db: Db, userId: number): Promise<CaptureStatus | undefined> {
  const row = await db
    .selectFrom('capture_status')
    .select([
      'user_id',
      'state',
      'scheduled_date',
      'last_success_at',
      'last_success_date',
      'last_result',
      'last_error',
      'last_error_code',
      'last_error_at',
      'attempts',
      'next_run_at',
    ])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row && { ...row, last_result: row.last_result as CaptureCounts | null };
}

export interface UserCaptureStatus extends Omit<CaptureStatus, 'user_id'> {
  user_id: number;
  spotify_id: string;
  display_name: string | null;
  needs_reauth: boolean;
  has_token: boolean;
  /** The user's last consent; their Spotify access ends six months after it. */
  spotify_authorized_at: Date | null;
}

/** Every user with their capture status (users never captured have state 'idle' and nulls). */
export async function listCaptureStatus(db: Db, filter: { spotifyId?: string | undefined; userId?: number | undefined } = {}): Promise<UserCaptureStatus[]> {
  let query = db
    .selectFrom('users as u')
    .leftJoin('capture_status as c', 'c.user_id', 'u.id')
    .select([
      'u.id as user_id',
      'u.spotify_id',
      'u.display_name',
      'u.needs_reauth',
      'u.spotify_authorized_at',
      sql<boolean>`exists (select 1 from spotify_tokens t where t.user_id = u.id)`.as('has_token'),
      // A new login clears users.needs_reauth; the status row catches up at the next capture.
      sql<CaptureState>`case when c.state = 'needs_reauth' and not u.needs_reauth then 'idle' else coalesce(c.state, 'idle') end`.as('state'),
      'c.scheduled_date',
      'c.last_success_at',
      'c.last_success_date',
      'c.last_result',
      'c.last_error',
      'c.last_error_code',
      'c.last_error_at',
      sql<number>`coalesce(c.attempts, 0)`.as('attempts'),
      'c.next_run_at',
    ])
    .orderBy('u.id');
  if (filter.spotifyId !== undefined) query = query.where('u.spotify_id', '=', filter.spotifyId);
  if (filter.userId !== undefined) query = query.where('u.id', '=', filter.userId);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, last_result: r.last_result as CaptureCounts | null }));
}

/** A capture stored every range: clears the failure streak and anything pending. */
export async function recordCaptureSuccess(
  db: Db,
  userId: number,
  success: { at: Date; date: string; counts: CaptureCounts },
): Promise<void> {
  await db
    .insertInto('capture_status')
    .values({
      user_id: userId,
      state: 'idle',
      last_success_at: success.at,
      last_success_date: success.date,
      last_result: JSON.stringify(success.counts),
      attempts: 0,
      next_run_at: null,
      updated_at: success.at,
    })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet((eb) => ({
        state: 'idle',
        last_success_at: eb.ref('excluded.last_success_at'),
        last_success_date: eb.ref('excluded.last_success_date'),
        last_result: eb.ref('excluded.last_result'),
        attempts: 0,
        next_run_at: null,
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

export interface CaptureFailure {
  at: Date;
  code: string;
  message: string;
  /** What happens next: a planned retry, a wait Spotify asked for, or nothing more today. */
  state: Extract<CaptureState, 'retrying' | 'deferred' | 'failed' | 'idle'>;
  nextRunAt: Date | null;
  /** Failed attempts so far in this run (the backoff's input). */
  attempts: number;
}

export async function recordCaptureFailure(db: Db, userId: number, failure: CaptureFailure): Promise<void> {
  await db
    .insertInto('capture_status')
    .values({
      user_id: userId,
      state: failure.state,
      last_error: failure.message,
      last_error_code: failure.code,
      last_error_at: failure.at,
      attempts: failure.attempts,
      next_run_at: failure.nextRunAt,
      updated_at: failure.at,
    })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet((eb) => ({
        state: eb.ref('excluded.state'),
        last_error: eb.ref('excluded.last_error'),
        last_error_code: eb.ref('excluded.last_error_code'),
        last_error_at: eb.ref('excluded.last_error_at'),
        attempts: eb.ref('excluded.attempts'),
        next_run_at: eb.ref('excluded.next_run_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/**
 * Spotify revoked the user's access: flag the user (the UI asks them to log in again) and stop
 * scheduling them until a new login clears the flag.
 */
export async function recordNeedsReauth(db: Db, userId: number, failure: { at: Date; code: string; message: string }): Promise<void> {
  await inTransaction(db, async (trx) => {
    await markNeedsReauth(trx, userId);
    await recordCaptureFailure(trx, userId, { ...failure, state: 'idle', nextRunAt: null, attempts: 0 });
    await trx.updateTable('capture_status').set({ state: 'needs_reauth' }).where('user_id', '=', userId).execute();
  });
}

/** Users the schedule would capture: a stored token and no pending re-login. */
export async function listSchedulableUserIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('users as u')
    .select('u.id')
    .where('u.needs_reauth', '=', false)
    .where(({ exists, selectFrom }) => exists(selectFrom('spotify_tokens as t').select('t.user_id').whereRef('t.user_id', '=', 'u.id')))
    .orderBy('u.id')
    .execute();
  return rows.map((r) => r.id);
}
