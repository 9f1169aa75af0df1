import type { NewTrack } from '../db/schema.js';

/** The fields of a Spotify track object that the archive promotes to columns. */
export interface SpotifyTrackFields {
  id: string;
  name: string;
  artists: ReadonlyArray<{ name: string }>;
  album?: { name?: string | null } | null;
  duration_ms?: number | null;
  external_urls?: { spotify?: string | null } | null;
}

/**
 * The tracks row for a Spotify track object: the tutorial's promoted columns, and the whole
 * object (every field Spotify sent, including ones we do not read yet) in raw_json.
 */
export function trackRowFromSpotify(track: SpotifyTrackFields & Record<string, unknown>): NewTrack {
  return {
    track_id: track.id,
    name: track.name,
    // As the tutorial displayed them: "Artist A, Artist B".
    artist_name: track.artists.map((a) => a.name).join(', '),
    album_name: track.album?.name ?? null,
    duration_ms: track.duration_ms ?? null,
    spotify_url: track.external_urls?.spotify ?? null,
    raw_json: JSON.stringify(track),
  };
}
