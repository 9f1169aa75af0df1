import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/database.js';
import type { DB, NewTrack } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { upsertTracks } from '../../src/repositories/tracks.js';
import { trackRowFromSpotify } from '../../src/services/track-rows.js';
import { createUser, spotifyTrack, unique } from '../factories.js';
import { buildTestApp } from './app.js';
import { cookieFrom } from './cookies.js';

/**
 * A small archive whose every insight is worked out by hand in the comments, so tests can assert
 * exact figures. Payloads cover the three release-date precisions, missing fields and a legacy
 * row without any payload.
 *
 *   A "Golden Harbour"      artists Alpha            album X (Alpha)  1999        explicit  ISRC    200000 ms
 *   B "Paper Moon"          artists Alpha, Beta      album X (Alpha)  2001-05     clean     ISRC    100000 ms
 *   C "Midnight Satellite"  artists Gamma            album Y (Gamma)  2001-05-17  (none)    (no external_ids, no duration)
 *   D "Ça va لا"            artists Beta             album Z (Beta)   (none)      clean     external_ids {} 300000 ms
 *   E "Lisbon Rain"         legacy row: artist_name Delta, album "Old Album", no payload
 *   F "Golden Fox"          only in the other user's archive
 *
 *   short_term 2024-01-10: A B        medium_term 2024-04-01: E A
 *   short_term 2024-02-05: B A C      other user, short_term 2024-04-01: F A
 *   short_term 2024-03-01: C A
 *   short_term 2024-04-01: B D        (B re-enters: absent on 03-01, present on 02-05)
 */
export async function seedInsightsArchive(db: Kysely<DB>) {
  const p = unique('ins');
  const id = (letter: string) => `${p}${letter}`;
  const album = (key: string, artist: string, releaseDate?: string) => ({
    id: `${p}album${key}`,
    name: `Album ${key}`,
    album_type: 'album',
    ...(releaseDate ? { release_date: releaseDate } : {}),
    images: [
      { url: `https://i.scdn.co/image/${p}${key}-640`, width: 640, height: 640 },
      { url: `https://i.scdn.co/image/${p}${key}-64`, width: 64, height: 64 },
    ],
    artists: [{ name: artist }],
    external_urls: { spotify: `https://open.spotify.com/album/${p}${key}` },
  });
  const artist = (name: string) => ({ name, external_urls: { spotify: `https://open.spotify.com/artist/${name}` } });
  const without = (object: Record<string, unknown>, ...keys: string[]) => Object.fromEntries(Object.entries(object).filter(([k]) => !keys.includes(k)));

  const payloads = [
    spotifyTrack(id('A'), { name: 'Golden Harbour', artists: [artist('Alpha')], album: album('X', 'Alpha', '1999'), explicit: true, duration_ms: 200_000 }),
    spotifyTrack(id('B'), { name: 'Paper Moon', artists: [artist('Alpha'), artist('Beta')], album: album('X', 'Alpha', '2001-05'), explicit: false, duration_ms: 100_000 }),
    without(spotifyTrack(id('C'), { name: 'Midnight Satellite', artists: [artist('Gamma')], album: album('Y', 'Gamma', '2001-05-17') }), 'explicit', 'external_ids', 'duration_ms'),
    spotifyTrack(id('D'), { name: 'Ça va لا', artists: [artist('Beta')], album: album('Z', 'Beta'), explicit: false, duration_ms: 300_000, external_ids: {} }),
    spotifyTrack(id('F'), { name: 'Golden Fox', artists: [artist('Omega')], album: album('W', 'Omega', '2010') }),
  ];
  const rows: NewTrack[] = payloads.map((t) => trackRowFromSpotify(t as Parameters<typeof trackRowFromSpotify>[0]));
  rows.push({ track_id: id('E'), name: 'Lisbon Rain', artist_name: 'Delta', album_name: 'Old Album', duration_ms: 250_000, spotify_url: null, raw_json: null });
  await upsertTracks(db, rows);

  const user = await createUser(db);
  const other = await createUser(db);
  const snap = (userId: number, snapshotDate: string, timeRange: 'short_term' | 'medium_term', letters: string) =>
    replaceSnapshot(db, { userId, snapshotDate, timeRange, trackIds: [...letters].map(id) });
  await snap(user.id, '2024-01-10', 'short_term', 'AB');
  await snap(user.id, '2024-02-05', 'short_term', 'BAC');
  await snap(user.id, '2024-03-01', 'short_term', 'CA');
  await snap(user.id, '2024-04-01', 'short_term', 'BD');
  await snap(user.id, '2024-04-01', 'medium_term', 'EA');
  await snap(other.id, '2024-04-01', 'short_term', 'FA');
  return { user, other, id };
}

/** Adds a test-only login route (the real one is /callback) and returns a cookie for `userId`. */
export function addTestLogin(app: FastifyInstance) {
  app.get('/test-login/:id', async (request) => {
    request.session.set('userId', Number((request.params as { id: string }).id));
    return 'ok';
  });
  return async (userId: number) => cookieFrom(await app.inject({ method: 'GET', url: `/test-login/${userId}` }));
}

export interface InsightsApp {
  app: FastifyInstance;
  deps: Deps;
  fixture: Awaited<ReturnType<typeof seedInsightsArchive>>;
  /** A session cookie for any user id (a test-only login route). */
  login(userId: number): Promise<string>;
  /** The fixture user's session cookie. */
  cookie: string;
}

/**
 * The real app over the seeded insights archive for one test file: built before its tests (the
 * fields are set then), closed after. Call it at the top of a describeEachEngine body.
 */
export function useInsightsApp(database: () => Database): InsightsApp {
  const world = {} as InsightsApp;
  beforeAll(async () => {
    const built = await buildTestApp(database());
    world.app = built.app;
    world.deps = built.deps;
    world.login = addTestLogin(built.app);
    world.fixture = await seedInsightsArchive(database().db);
    world.cookie = await world.login(world.fixture.user.id);
  });
  afterAll(async () => {
    await world.app?.close();
    await world.deps?.close();
  });
  return world;
}
