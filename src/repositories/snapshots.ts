import { sql } from '../db/kysely.js';
import type { TimeRange } from '../lib/time-ranges.js';
import { NotFoundError, ValidationError } from '../lib/errors.js';
import { inTransaction, type Db } from './executor.js';

export const MAX_SNAPSHOT_TRACKS = 50;

export interface SnapshotWrite {
  userId: number;
  snapshotDate: string;
  timeRange: TimeRange;
  /** Track ids in rank order: index 0 is rank 1. The tracks must already be stored. */
  trackIds: readonly string[];
}

/**
 * Stores one user's ranking for one date and range, replacing any ranking already stored for
 * that key. All rows or none: a failure part-way leaves the previous state untouched.
 * Writing the same snapshot again leaves exactly one copy.
 */
export async function replaceSnapshot(db: Db, write: SnapshotWrite): Promise<{ rows: number }> {
  if (write.trackIds.length > MAX_SNAPSHOT_TRACKS) {
    throw new ValidationError(`A snapshot holds at most ${MAX_SNAPSHOT_TRACKS} tracks, got ${write.trackIds.length}.`);
  }
  const duplicate = write.trackIds.find((id, i) => write.trackIds.indexOf(id) !== i);
  if (duplicate) throw new ValidationError(`Track ${duplicate} appears twice in one snapshot.`);

  return inTransaction(db, async (trx) => {
    // Lock the user's row: concurrent writers of one user's snapshots take turns, so two
    // captures of the same key cannot interleave their delete and insert.
    const user = await trx
      .selectFrom('users')
      .select('id')
      .where('id', '=', write.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw new NotFoundError(`No user with id ${write.userId}.`);

    await trx
      .deleteFrom('snapshots')
      .where('user_id', '=', write.userId)
      .where('time_range', '=', write.timeRange)
      .where('snapshot_date', '=', write.snapshotDate)
      .execute();
    if (write.trackIds.length > 0) {
      await trx
        .insertInto('snapshots')
        .values(
          write.trackIds.map((trackId, i) => ({
            user_id: write.userId,
            track_id: trackId,
            snapshot_date: write.snapshotDate,
            time_range: write.timeRange,
            rank: i + 1,
          })),
        )
        .execute();
    }
    return { rows: write.trackIds.length };
  });
}

export interface RankedTrack {
  rank: number;
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  spotify_url: string | null;
}

export interface StoredSnapshot {
  snapshotDate: string;
  timeRange: TimeRange;
  tracks: RankedTrack[];
}

/** The user's most recent snapshot for a range, in rank order; undefined if none yet. */
export async function findLatestSnapshot(
  db: Db,
  userId: number,
  timeRange: TimeRange,
): Promise<StoredSnapshot | undefined> {
  const latest = await db
    .selectFrom('snapshots')
    .select((eb) => eb.fn.max('snapshot_date').as('snapshot_date'))
    .where('user_id', '=', userId)
    .where('time_range', '=', timeRange)
    .executeTakeFirst();
  if (!latest?.snapshot_date) return undefined;
  const snapshotDate = latest.snapshot_date;
  const tracks = await db
    .selectFrom('snapshots as s')
    .innerJoin('tracks as t', 't.track_id', 's.track_id')
    .select(['s.rank', 's.track_id', 't.name', 't.artist_name', 't.album_name', 't.spotify_url'])
    .where('s.user_id', '=', userId)
    .where('s.time_range', '=', timeRange)
    .where('s.snapshot_date', '=', snapshotDate)
    .orderBy('s.rank')
    .execute();
  return { snapshotDate, timeRange, tracks };
}

export interface ArchiveCounts {
  /** Distinct tracks that have appeared in any of the user's snapshots. */
  tracks: number;
  /** Distinct (date, range) snapshots. */
  snapshots: number;
  /** Snapshot rows (one per track per snapshot). */
  snapshotRows: number;
  /** Distinct capture dates. */
  days: number;
}

export async function countArchive(db: Db, userId: number): Promise<ArchiveCounts> {
  const row = await db
    .selectFrom('snapshots')
    .select([
      sql<number>`count(distinct track_id)`.as('tracks'),
      sql<number>`count(distinct (snapshot_date, time_range))`.as('snapshots'),
      sql<number>`count(*)`.as('snapshot_rows'),
      sql<number>`count(distinct snapshot_date)`.as('days'),
    ])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return { tracks: row.tracks, snapshots: row.snapshots, snapshotRows: row.snapshot_rows, days: row.days };
}

export interface ArchiveSpan {
  first: string;
  latest: string;
  days: number;
}

/** The dates the user's archive covers, whatever wrote it (captures, imports, the demo seed). */
export async function findArchiveSpan(db: Db, userId: number): Promise<ArchiveSpan | undefined> {
  const row = await db
    .selectFrom('snapshots')
    .select([
      sql<string | null>`min(snapshot_date)`.as('first'),
      sql<string | null>`max(snapshot_date)`.as('latest'),
      sql<number>`count(distinct snapshot_date)`.as('days'),
    ])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.first && row.latest ? { first: row.first, latest: row.latest, days: row.days } : undefined;
}
