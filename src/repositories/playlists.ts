import { sql } from '../db/kysely.js';
import type { JsonObject } from '../db/schema.js';
import type { TimeRange } from '../lib/time-ranges.js';
import type { Db } from './executor.js';
import { visibleTrack } from './visible-tracks.js';

/**
 * The playlist feature's SQL: the track selections behind each playlist source (one user's
 * snapshots, `user_id` leading every filter so each query stays in that user's slice of the
 * indexes) and the log of playlists the app created in Spotify. Track metadata is read through
 * visibleTracks, never `tracks` directly.
 */

/** One track of a selection, in playlist order. */
export interface SelectedTrack {
  track_id: string;
  name: string;
  artist_name: string;
  spotify_url: string | null;
}

/**
 * Short-term tracks that charted between `from` and `to` (inclusive) and not in any short-term
 * snapshot after `to`. Order: on the most snapshot dates in the window first, then best rank
 * there, then seen most recently, then track id (so the order is total and repeatable).
 */
export async function listForgottenGems(
  db: Db,
  userId: number,
  window: { from: string; to: string; limit: number },
): Promise<SelectedTrack[]> {
  // One pass over the user's short-term rows since `from`: a track whose newest date is at most
  // `to` charted in the window and not since (no anti-join probing each row's later history).
  // (user, date, range, track) is unique, so counting rows counts the track's snapshot dates.
  const charted = db
    .selectFrom('snapshots as s')
    .select([
      's.track_id',
      sql<number>`count(*)`.as('dates'),
      sql<number>`min(s.rank)`.as('best_rank'),
      sql<string>`max(s.snapshot_date)`.as('last_seen'),
    ])
    .where('s.user_id', '=', userId)
    .where('s.time_range', '=', 'short_term')
    .where('s.snapshot_date', '>=', window.from)
    .groupBy('s.track_id')
    .having(sql<string>`max(s.snapshot_date)`, '<=', window.to);
  return db
    .selectFrom(charted.as('g'))
    .innerJoinLateral(visibleTrack(db, userId, 'g.track_id').as('t'), (join) => join.onTrue())
    .select(['g.track_id', 't.name', 't.artist_name', 't.spotify_url'])
    .orderBy('g.dates', 'desc')
    .orderBy('g.best_rank', 'asc')
    .orderBy('g.last_seen', 'desc')
    .orderBy('g.track_id')
    .limit(window.limit)
    .execute();
}

/**
 * Tracks in the user's latest snapshot (the latest date, any range) that appear in no earlier
 * snapshot of any range. Order: best place on that date, as (rank, range) with short term before
 * medium before long, then track id. Empty when the user has no snapshots.
 */
export async function listRecentDiscoveries(db: Db, userId: number, limit: number): Promise<SelectedTrack[]> {
  const latest = await findLatestSnapshotDate(db, userId);
  if (!latest) return [];
  const discovered = db
    .selectFrom('snapshots as s')
    .select([
      's.track_id',
      // rank * 3 + range index: the best (rank, range) pair in one comparable number.
      sql<number>`min(s.rank * 3 + case s.time_range when 'short_term' then 0 when 'medium_term' then 1 else 2 end)`.as('place'),
    ])
    .where('s.user_id', '=', userId)
    .where('s.snapshot_date', '=', latest)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('snapshots as e')
            .select(sql`1`.as('one'))
            .where('e.user_id', '=', userId)
            .whereRef('e.track_id', '=', 's.track_id')
            .where('e.snapshot_date', '<', latest),
        ),
      ),
    )
    .groupBy('s.track_id');
  return db
    .selectFrom(discovered.as('d'))
    .innerJoinLateral(visibleTrack(db, userId, 'd.track_id').as('t'), (join) => join.onTrue())
    .select(['d.track_id', 't.name', 't.artist_name', 't.spotify_url'])
    .orderBy('d.place')
    .orderBy('d.track_id')
    .limit(limit)
    .execute();
}

/** One snapshot (date and range) of the user, in rank order (ties, from legacy files, by track id). */
export async function listSnapshotTracks(db: Db, userId: number, snapshotDate: string, timeRange: TimeRange): Promise<SelectedTrack[]> {
  return db
    .selectFrom('snapshots as s')
    .innerJoinLateral(visibleTrack(db, userId, 's.track_id').as('t'), (join) => join.onTrue())
    .select(['s.track_id', 't.name', 't.artist_name', 't.spotify_url'])
    .where('s.user_id', '=', userId)
    .where('s.snapshot_date', '=', snapshotDate)
    .where('s.time_range', '=', timeRange)
    .orderBy('s.rank')
    .orderBy('s.track_id')
    .execute();
}

/** The user's newest snapshot date, for one range or (no range) any; undefined with no snapshots. */
export async function findLatestSnapshotDate(db: Db, userId: number, timeRange?: TimeRange): Promise<string | undefined> {
  let query = db
    .selectFrom('snapshots')
    .select(sql<string | null>`max(snapshot_date)`.as('latest'))
    .where('user_id', '=', userId);
  if (timeRange) query = query.where('time_range', '=', timeRange);
  const row = await query.executeTakeFirstOrThrow();
  return row.latest ?? undefined;
}

/** Every date on which the user has at least one snapshot, newest first. */
export async function listSnapshotDates(db: Db, userId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('snapshots')
    .select('snapshot_date')
    .distinct()
    .where('user_id', '=', userId)
    .orderBy('snapshot_date', 'desc')
    .execute();
  return rows.map((r) => r.snapshot_date);
}

export interface PlaylistRecord {
  id: number;
  spotify_playlist_id: string;
  name: string;
  source: string;
  parameters: JsonObject;
  track_count: number;
  created_at: Date;
}

export interface NewPlaylistRecord {
  userId: number;
  spotifyPlaylistId: string;
  name: string;
  source: string;
  parameters: JsonObject;
  trackCount: number;
}

/** Logs a playlist the app created in Spotify (after Spotify accepted its tracks). */
export async function insertPlaylist(db: Db, record: NewPlaylistRecord): Promise<PlaylistRecord> {
  return db
    .insertInto('playlists')
    .values({
      user_id: record.userId,
      spotify_playlist_id: record.spotifyPlaylistId,
      name: record.name,
      source: record.source,
      parameters: JSON.stringify(record.parameters),
      track_count: record.trackCount,
    })
    .returning(['id', 'spotify_playlist_id', 'name', 'source', 'parameters', 'track_count', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** The user's playlists, newest first (the id breaks ties within one instant). */
export async function listPlaylists(db: Db, userId: number, limit = 200): Promise<PlaylistRecord[]> {
  return db
    .selectFrom('playlists')
    .select(['id', 'spotify_playlist_id', 'name', 'source', 'parameters', 'track_count', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
