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
export function visibleTracks(db: Db, userId: number) {
  // A UNION ALL rather than CASE expressions over a join: PostgreSQL pushes a caller's filter
  // into each branch, so `search_vector @@ query` and the trigram match still use the indexes
  // on `tracks` (a CASE hides the column from them), and the user's own rows come by key.
  const catalogue = db
    .selectFrom('tracks as t')
    .where('t.file_only', '=', false)
    .select(['t.track_id', 't.name', 't.artist_name', 't.album_name', 't.duration_ms', 't.spotify_url', 't.raw_json', 't.search_vector']);
  const ownFileRows = db
    .selectFrom('user_tracks as u')
    .innerJoin('tracks as c', 'c.track_id', 'u.track_id')
    .where('u.user_id', '=', userId)
    .where('c.file_only', '=', true)
    .select(['u.track_id', 'u.name', 'u.artist_name', 'u.album_name', 'u.duration_ms', 'u.spotify_url', 'u.raw_json', 'u.search_vector']);
  return catalogue.unionAll(ownFileRows);
}
