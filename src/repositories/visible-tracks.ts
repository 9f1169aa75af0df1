import type { Expression } from 'kysely';
import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

/**
 * Track metadata as one user sees it: the single place that decides which name, artists, album
 * and payload a user is shown for a track. Every query that shows track metadata to a user joins
 * this (as a derived table) instead of `tracks` directly.
 *
 * The rule (docs/ARCHITECTURE.md, "Whose track metadata"): no upload changes what another user
 * sees.
 * - A catalogue row Spotify supplied (a capture; file_only = false) is everyone's.
 * - A row that came only from legacy files (file_only = true) is a placeholder nobody is shown;
 *   each importer sees their own copy (user_tracks), with its own search vector.
 * So a track appears for a user when Spotify supplied it or the user's own file did.
 */
export function visibleTracks(db: Db, userId: number, forTrack?: Expression<string>) {
  // A UNION ALL rather than CASE expressions over a join: PostgreSQL pushes a caller's filter
  // into each branch, so `search_vector @@ query` and the trigram match still use the indexes
  // on `tracks` (a CASE hides the column from them), and the user's own rows come by key.
  //
  // A join *condition* is not pushed in, though: the branches keep their WHERE, so PostgreSQL
  // cannot flatten them into an append relation, and `join (...) t on t.track_id = s.track_id`
  // reads the whole catalogue (a sequential scan of `tracks` whatever the user's window). So
  // callers that look tracks up by id pass `forTrack` (the outer column) and join LATERAL: each
  // branch then becomes a primary-key lookup per row.
  let catalogue = db
    .selectFrom('tracks as t')
    .where('t.file_only', '=', false)
    .select(['t.track_id', 't.name', 't.artist_name', 't.album_name', 't.duration_ms', 't.spotify_url', 't.raw_json', 't.search_vector']);
  let ownFileRows = db
    .selectFrom('user_tracks as u')
    .innerJoin('tracks as c', 'c.track_id', 'u.track_id')
    .where('u.user_id', '=', userId)
    .where('c.file_only', '=', true)
    .select(['u.track_id', 'u.name', 'u.artist_name', 'u.album_name', 'u.duration_ms', 'u.spotify_url', 'u.raw_json', 'u.search_vector']);
  if (forTrack) {
    catalogue = catalogue.where('t.track_id', '=', forTrack);
    ownFileRows = ownFileRows.where('u.track_id', '=', forTrack);
  }
  return catalogue.unionAll(ownFileRows);
}

/**
 * visibleTracks for one outer row, to join LATERAL: `cross join lateral (${visibleTrack(db,
 * userId, 's.track_id')}) t`. Two primary-key lookups per row instead of a scan of the catalogue.
 */
export function visibleTrack(db: Db, userId: number, trackIdColumn: string) {
  return visibleTracks(db, userId, sql.ref<string>(trackIdColumn));
}
