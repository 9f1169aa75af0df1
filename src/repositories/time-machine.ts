import { sql } from '../db/kysely.js';
import type { TimeRange } from '../lib/time-ranges.js';
import type { Db } from './executor.js';
import { visibleTracks } from './visible-tracks.js';

export interface SnapshotNeighbours {
  /** The snapshot shown: the requested date, or the nearest earlier one (or the first, when none is earlier). */
  date: string;
  previous: string | null;
  next: string | null;
  first: string;
  latest: string;
}

/**
 * Which snapshot of `range` to show for a requested date (the latest when none is asked), and
 * its neighbours; undefined when the user has no snapshot of that range. Every lookup walks the
 * (user_id, snapshot_date, ...) primary key of this user only.
 */
export async function findSnapshotNeighbours(
  db: Db,
  userId: number,
  range: TimeRange,
  requested: string | null,
): Promise<SnapshotNeighbours | undefined> {
  const result = await sql<{ date: string | null; first: string | null; latest: string | null }>`
    with bounds as (
      select min(snapshot_date) as first, max(snapshot_date) as latest
      from snapshots where user_id = ${userId} and time_range = ${range}
    )
    select
      coalesce(
        (select max(snapshot_date) from snapshots
          where user_id = ${userId} and time_range = ${range} and snapshot_date <= coalesce(${requested}::date, (select latest from bounds))),
        (select first from bounds)
      ) as date,
      (select first from bounds) as first,
      (select latest from bounds) as latest`.execute(db);
  const row = result.rows[0];
  if (!row?.date || !row.first || !row.latest) return undefined;
  const around = await sql<{ previous: string | null; next: string | null }>`
    select
      (select max(snapshot_date) from snapshots where user_id = ${userId} and time_range = ${range} and snapshot_date < ${row.date}) as previous,
      (select min(snapshot_date) from snapshots where user_id = ${userId} and time_range = ${range} and snapshot_date > ${row.date}) as next`.execute(db);
  return { date: row.date, first: row.first, latest: row.latest, previous: around.rows[0]!.previous, next: around.rows[0]!.next };
}

export interface ChartRow {
  rank: number;
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  spotify_url: string | null;
  album_images: Array<{ url: string; width?: number | null; height?: number | null }> | null;
  previous_rank: number | null;
  /** True when absent from the previous snapshot but present in an earlier one of this range. */
  returning: boolean;
}

/**
 * One snapshot in rank order, each track with its rank in the previous snapshot of that range
 * (`previous` = that snapshot's date) and whether it comes back after an absence.
 *
 * Two simple queries rather than one: the snapshot's rows with their movement, then the 50
 * tracks' metadata by id (pushed into both branches of visibleTracks as key lookups). Joining
 * visibleTrack LATERAL gives the same rows, but PostgreSQL spends 3-4 ms planning that query on
 * every request, more than both of these take to plan and run.
 */
export async function listSnapshotWithMovement(
  db: Db,
  userId: number,
  range: TimeRange,
  date: string,
  previous: string | null,
): Promise<ChartRow[]> {
  const ranked = await sql<Pick<ChartRow, 'rank' | 'track_id' | 'previous_rank' | 'returning'>>`
    select s.rank, s.track_id, p.rank as previous_rank,
      (p.rank is null and ${previous}::date is not null and exists (
        select 1 from snapshots e
        where e.user_id = ${userId} and e.track_id = s.track_id and e.snapshot_date < ${previous}::date and e.time_range = ${range}
      )) as returning
    from snapshots s
    left join snapshots p
      on p.user_id = ${userId} and p.snapshot_date = ${previous}::date and p.time_range = ${range} and p.track_id = s.track_id
    where s.user_id = ${userId} and s.time_range = ${range} and s.snapshot_date = ${date}
    order by s.rank, s.track_id`.execute(db);
  if (ranked.rows.length === 0) return [];
  const tracks = await db
    .selectFrom(visibleTracks(db, userId).as('t'))
    .select([
      't.track_id',
      't.name',
      't.artist_name',
      't.album_name',
      't.spotify_url',
      sql<ChartRow['album_images']>`case when jsonb_typeof(t.raw_json->'album'->'images') = 'array' then t.raw_json->'album'->'images' end`.as('album_images'),
    ])
    .where('t.track_id', 'in', ranked.rows.map((r) => r.track_id))
    .execute();
  const byId = new Map(tracks.map((t) => [t.track_id, t]));
  // A snapshot row always has its track (foreign key); one the user cannot see is left out, as
  // the join did.
  return ranked.rows.flatMap((row) => {
    const track = byId.get(row.track_id);
    return track ? [{ ...row, ...track }] : [];
  });
}
