import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

/**
 * Lapses of a user's Spotify access (the refresh token expired or was revoked) and the gaps they
 * left in the archive. A lapse opens when Spotify refuses the refresh token and closes at the
 * next login.
 */

export type LapseCause = 'expired' | 'revoked';

/** Opens a lapse unless one is already open (idempotent: several failing calls, one lapse). */
export async function openAccessLapse(db: Db, userId: number, lapse: { at: Date; cause: LapseCause }): Promise<void> {
  await sql`
    insert into spotify_access_lapses (user_id, lapsed_at, cause)
    values (${userId}, ${lapse.at}, ${lapse.cause})
    on conflict (user_id) where restored_at is null do nothing`.execute(db);
}

/** A login restored access: closes the open lapse, if any. */
export async function closeAccessLapse(db: Db, userId: number, at: Date): Promise<void> {
  await db.updateTable('spotify_access_lapses').set({ restored_at: at }).where('user_id', '=', userId).where('restored_at', 'is', null).execute();
}

export interface ArchiveGap {
  /** First day without a snapshot (UTC, YYYY-MM-DD). */
  from: string;
  /** Last day without a snapshot; null while access is still lapsed. */
  to: string | null;
  cause: LapseCause;
  lapsedAt: Date;
  restoredAt: Date | null;
}

/**
 * The gaps Spotify lapses left in the user's archive, oldest first: from the day after the last
 * snapshot before the lapse (or the lapse's day, when there was none) to the day before the
 * first snapshot after the login that restored access (or the day before that login, when no
 * snapshot followed yet). A lapse that cost no day (restored before the next capture) is no gap.
 */
export async function listArchiveGaps(db: Db, userId: number): Promise<ArchiveGap[]> {
  const result = await sql<{ from: string; to: string | null; cause: LapseCause; lapsed_at: Date; restored_at: Date | null }>`
    with lapses as (
      select l.cause, l.lapsed_at, l.restored_at,
        (l.lapsed_at at time zone 'UTC')::date as lapsed_day,
        (l.restored_at at time zone 'UTC')::date as restored_day
      from spotify_access_lapses l
      where l.user_id = ${userId}
    ), bounded as (
      select lapses.*,
        coalesce(
          (select max(s.snapshot_date) + 1 from snapshots s where s.user_id = ${userId} and s.snapshot_date <= lapsed_day),
          lapsed_day
        ) as gap_from,
        case when restored_at is null then null else coalesce(
          (select min(s.snapshot_date) - 1 from snapshots s where s.user_id = ${userId} and s.snapshot_date >= restored_day),
          restored_day - 1
        ) end as gap_to
      from lapses
    )
    select to_char(gap_from, 'YYYY-MM-DD') as "from", to_char(gap_to, 'YYYY-MM-DD') as "to", cause, lapsed_at, restored_at
    from bounded
    where gap_to is null or gap_to >= gap_from
    order by lapsed_at`.execute(db);
  return result.rows.map((r) => ({ from: r.from, to: r.to, cause: r.cause, lapsedAt: r.lapsed_at, restoredAt: r.restored_at }));
}
