import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';

/**
 * A user's whole archive as plain rows, in a fixed order, for exact comparisons: their
 * snapshots and every track those snapshots (or the shared catalogue's legacy rows) reference.
 */
export async function readArchive(db: Kysely<DB>, userId: number, options: { withTimestamps?: boolean; trackIdLike?: string } = {}) {
  const snapshots = await sql<{ track_id: string; snapshot_date: string; time_range: string; rank: number }>`
    select track_id, snapshot_date, time_range, rank from snapshots where user_id = ${userId}
    order by time_range collate "C", snapshot_date, track_id collate "C"`.execute(db);
  const tracks = await sql<Record<string, unknown> & { track_id: string }>`
    select track_id, name, artist_name, album_name, duration_ms, spotify_url, raw_json
      ${options.withTimestamps ? sql`, first_seen_at, updated_at` : sql``}
    from tracks ${options.trackIdLike ? sql`where track_id like ${options.trackIdLike}` : sql``} order by track_id collate "C"`.execute(db);
  return { snapshots: snapshots.rows, tracks: tracks.rows };
}
