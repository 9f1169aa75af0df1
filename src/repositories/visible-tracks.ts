import { sql } from 'kysely';
import type { JsonObject } from '../db/schema.js';
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
  const pick = <C extends string>(column: C) =>
    sql<unknown>`case when t.file_only then u.${sql.ref(column)} else t.${sql.ref(column)} end`;
  return db
    .selectFrom('tracks as t')
    .leftJoin('user_tracks as u', (join) => join.onRef('u.track_id', '=', 't.track_id').on('u.user_id', '=', userId))
    .where((eb) => eb.or([eb('t.file_only', '=', false), eb('u.user_id', 'is not', null)]))
    .select([
      't.track_id',
      pick('name').$castTo<string>().as('name'),
      pick('artist_name').$castTo<string>().as('artist_name'),
      pick('album_name').$castTo<string | null>().as('album_name'),
      pick('duration_ms').$castTo<number | null>().as('duration_ms'),
      pick('spotify_url').$castTo<string | null>().as('spotify_url'),
      pick('raw_json').$castTo<JsonObject | null>().as('raw_json'),
      pick('search_vector').$castTo<string>().as('search_vector'),
    ]);
}
