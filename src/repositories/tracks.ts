import type { NewTrack, Track } from '../db/schema.js';
import type { Db } from './executor.js';

/**
 * Inserts new tracks and refreshes known ones with the latest Spotify object (names and album
 * art change upstream). Idempotent; rows are written in one statement per call.
 * `first_seen_at` is kept from the first insert. Only for data from Spotify itself: it makes the
 * row everyone's (file_only = false; see visibleTracks).
 */
export async function upsertTracks(db: Db, tracks: readonly NewTrack[]): Promise<void> {
  if (tracks.length === 0) return;
  await db
    .insertInto('tracks')
    .values(dedupeById(tracks))
    .onConflict((oc) =>
      oc.column('track_id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        artist_name: eb.ref('excluded.artist_name'),
        album_name: eb.ref('excluded.album_name'),
        duration_ms: eb.ref('excluded.duration_ms'),
        spotify_url: eb.ref('excluded.spotify_url'),
        raw_json: eb.ref('excluded.raw_json'),
        file_only: false,
        updated_at: eb.fn('now'),
      })),
    )
    .execute();
}

export async function findTrack(db: Db, trackId: string): Promise<Track | undefined> {
  return db.selectFrom('tracks').selectAll().where('track_id', '=', trackId).executeTakeFirst();
}

/**
 * ON CONFLICT cannot touch one row twice in a statement: the last object for an id wins.
 * Rows go in track_id order so concurrent upserts of overlapping sets (two users sharing
 * favourite tracks, captured at once) lock rows in the same order and cannot deadlock.
 */
function dedupeById(tracks: readonly NewTrack[]): NewTrack[] {
  return [...new Map(tracks.map((t) => [t.track_id, t])).values()].sort((a, b) =>
    a.track_id < b.track_id ? -1 : a.track_id > b.track_id ? 1 : 0,
  );
}
