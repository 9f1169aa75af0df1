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
 */
export async function listSnapshotWithMovement(
  db: Db,
  userId: number,
  range: TimeRange,
  date: string,
  previous: string | null,
): Promise<ChartRow[]> {
  const result = await sql<ChartRow>`
    select s.rank, s.track_id, t.name, t.artist_name, t.album_name, t.spotify_url,
      case when jsonb_typeof(t.raw_json->'album'->'images') = 'array' then t.raw_json->'album'->'images' end as album_images,
      p.rank as previous_rank,
      (p.rank is null and ${previous}::date is not null and exists (
        select 1 from snapshots e
        where e.user_id = ${userId} and e.track_id = s.track_id and e.snapshot_date < ${previous}::date and e.time_range = ${range}
      )) as returning
    from snapshots s
    join (${visibleTracks(db, userId)}) t on t.track_id = s.track_id
    left join snapshots p
      on p.user_id = ${userId} and p.snapshot_date = ${previous}::date and p.time_range = ${range} and p.track_id = s.track_id
    where s.user_id = ${userId} and s.time_range = ${range} and s.snapshot_date = ${date}
    order by s.rank, s.track_id`.execute(db);
  return result.rows;
}
