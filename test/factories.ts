import type { Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';
import { upsertTracks } from '../src/repositories/tracks.js';
import { upsertUser } from '../src/repositories/users.js';
import { trackRowFromSpotify } from '../src/services/track-rows.js';

let sequence = 0;
/** A value unique within the test run, for ids that must not collide across tests. */
export function unique(prefix: string): string {
  sequence += 1;
  return `${prefix}${process.pid}x${sequence}`;
}

/** A 2026-shaped Spotify track object (no `popularity`), deterministic for a given id. */
export function spotifyTrack(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `Song ${id}`,
    type: 'track',
    uri: `spotify:track:${id}`,
    duration_ms: 180_000 + (id.length % 7) * 1000,
    explicit: false,
    track_number: 1,
    disc_number: 1,
    is_local: false,
    preview_url: null,
    external_ids: { isrc: `QZ${id.slice(0, 10).toUpperCase()}` },
    external_urls: { spotify: `https://open.spotify.com/track/${id}` },
    artists: [{ id: `artist-${id}`, name: `Artist of ${id}`, type: 'artist', uri: `spotify:artist:artist-${id}` }],
    album: {
      id: `album-${id}`,
      name: `Album of ${id}`,
      album_type: 'album',
      release_date: '2021-06-04',
      release_date_precision: 'day',
      total_tracks: 10,
      images: [],
      artists: [],
    },
    ...overrides,
  };
}

export async function createUser(db: Kysely<DB>, spotifyId = unique('user')) {
  return upsertUser(db, { spotifyId, displayName: `Listener ${spotifyId}` });
}

/** Stores `count` tracks and returns their ids. */
export async function createTracks(db: Kysely<DB>, count: number, prefix = unique('t')): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}n${i + 1}`);
  await upsertTracks(db, ids.map((id) => trackRowFromSpotify(spotifyTrack(id))));
  return ids;
}

