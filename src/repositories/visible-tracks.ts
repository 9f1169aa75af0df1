import type { Db } from './executor.js';

/**
 * Track metadata as one user sees it: the single place that decides which name, artists, album
 * and payload a user is shown for a track. Every query that shows track metadata to a user joins
 * this (as a derived table) instead of `tracks` directly, so the rule can change in one place
 * (e.g. metadata that came only from one user's legacy file stays visible to that user alone).
 *
 * Today every user sees the shared catalogue row. PostgreSQL flattens this subquery into the
 * caller's join, so it costs nothing over joining `tracks`.
 */
export function visibleTracks(db: Db, _userId: number) {
  return db
    .selectFrom('tracks')
    .select(['track_id', 'name', 'artist_name', 'album_name', 'duration_ms', 'spotify_url', 'raw_json', 'search_vector']);
}
