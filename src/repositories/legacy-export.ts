import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

/** Pages of one user's archive in the legacy tables' shape, by key (memory stays one page). */
export interface LegacyTrackRow {
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  duration_ms: number | null;
  spotify_url: string | null;
  /** jsonb as its text, so numbers keep every digit. */
  raw_json: string | null;
}

export interface LegacySnapshotRow {
  track_id: string;
  snapshot_date: string;
  time_range: string;
  rank: number;
}

/**
 * Tracks that appear in the user's snapshots, after `afterTrackId` in byte order: as the user's
 * own file described them where they imported one (user_tracks), otherwise the catalogue row.
 */
export async function listUserTracksPage(db: Db, userId: number, afterTrackId: string, limit: number): Promise<LegacyTrackRow[]> {
  const result = await sql<LegacyTrackRow>`
    select t.track_id,
           case when u.track_id is null then t.name else u.name end as name,
           case when u.track_id is null then t.artist_name else u.artist_name end as artist_name,
           case when u.track_id is null then t.album_name else u.album_name end as album_name,
           case when u.track_id is null then t.duration_ms else u.duration_ms end as duration_ms,
           case when u.track_id is null then t.spotify_url else u.spotify_url end as spotify_url,
           (case when u.track_id is null then t.raw_json else u.raw_json end)::text as raw_json
    from tracks t
    left join user_tracks u on u.user_id = ${userId} and u.track_id = t.track_id
    where t.track_id > ${afterTrackId}
      and exists (select 1 from snapshots s where s.user_id = ${userId} and s.track_id = t.track_id)
    order by t.track_id limit ${limit}`.execute(db);
  return result.rows;
}

/** The user's snapshot rows after the key `after` (snapshot_date, time_range, track_id), in primary key order. */
export async function listUserSnapshotsPage(
  db: Db,
  userId: number,
  after: { time_range: string; snapshot_date: string; track_id: string } | undefined,
  limit: number,
): Promise<LegacySnapshotRow[]> {
  const result = await sql<LegacySnapshotRow>`
    select track_id, snapshot_date, time_range, rank from snapshots
    where user_id = ${userId}
      ${after ? sql`and (snapshot_date, time_range, track_id) > (${after.snapshot_date}::date, ${after.time_range}, ${after.track_id})` : sql``}
    order by snapshot_date, time_range, track_id limit ${limit}`.execute(db);
  return result.rows;
}
