import { sql } from '../db/kysely.js';
import type { JsonObject } from '../db/schema.js';
import type { TimeRange } from '../lib/time-ranges.js';
import type { Db } from './executor.js';
import { visibleTracks } from './visible-tracks.js';

export interface UserTrack {
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  duration_ms: number | null;
  spotify_url: string | null;
  raw_json: JsonObject | null;
}

/** The track as this user sees it, only if it is in one of their snapshots. */
export async function findTrackInArchive(db: Db, userId: number, trackId: string): Promise<UserTrack | undefined> {
  const result = await sql<UserTrack>`
    select t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json
    from (${visibleTracks(db, userId)}) t
    where t.track_id = ${trackId}
      and exists (select 1 from snapshots s where s.user_id = ${userId} and s.track_id = ${trackId})`.execute(db);
  return result.rows[0];
}

export interface RankPoint {
  snapshot_date: string;
  time_range: TimeRange;
  rank: number;
}

/** Every rank the track held in the user's snapshots, oldest first (the user's track-history index). */
export async function listTrackRanks(db: Db, userId: number, trackId: string): Promise<RankPoint[]> {
  const result = await sql<RankPoint>`
    select snapshot_date, time_range, rank
    from snapshots
    where user_id = ${userId} and track_id = ${trackId}
    order by snapshot_date, time_range`.execute(db);
  return result.rows;
}

export interface RangeSummary {
  time_range: TimeRange;
  first_seen: string;
  last_seen: string;
  best_rank: number;
  snapshots: number;
}

/** Per range: first and last snapshot date holding the track, its best rank, how many snapshots. */
export async function summariseTrackRanks(db: Db, userId: number, trackId: string): Promise<RangeSummary[]> {
  const result = await sql<RangeSummary>`
    select time_range, min(snapshot_date) as first_seen, max(snapshot_date) as last_seen,
      min(rank)::int as best_rank, count(*)::int as snapshots
    from snapshots
    where user_id = ${userId} and track_id = ${trackId}
    group by time_range
    order by time_range`.execute(db);
  return result.rows;
}
