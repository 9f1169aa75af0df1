import { sql } from 'kysely';
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

/** Tracks that appear in the user's snapshots, after `afterTrackId` in byte order. */
export async function listUserTracksPage(db: Db, userId: number, afterTrackId: string, limit: number): Promise<LegacyTrackRow[]> {
  const result = await sql<LegacyTrackRow>`
    select t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json::text as raw_json
    from tracks t
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
