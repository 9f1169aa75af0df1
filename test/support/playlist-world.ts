import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import type { TimeRange } from '../../src/lib/time-ranges.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { upsertTracks } from '../../src/repositories/tracks.js';
import { upsertUser } from '../../src/repositories/users.js';
import { trackRowFromSpotify } from '../../src/services/track-rows.js';
import { spotifyTrack } from '../factories.js';
import { approveOnFake } from './app.js';
import { cookieFrom } from './cookies.js';

/**
 * A Spotify-shaped track id (22 base62 characters, as the fake insists) that reads in failures:
 * `trackId('G', 2)` is "G2" padded with zeros.
 */
export function trackId(tag: string, n: number): string {
  return `${tag}${n}x`.padEnd(22, '0');
}

/** The track as the playlist API answers it (the factories' names). */
export function apiTrack(id: string) {
  return { trackId: id, name: `Song ${id}`, artist: `Artist of ${id}`, url: `https://open.spotify.com/track/${id}` };
}

/** A user (known to the fake by the same Spotify id) with the given snapshots; returns the user id. */
export async function seedArchive(
  db: Kysely<DB>,
  spotifyId: string,
  snapshots: ReadonlyArray<{ date: string; range: TimeRange; tracks: readonly string[] }>,
): Promise<number> {
  const user = await upsertUser(db, { spotifyId, displayName: `Listener ${spotifyId}` });
  const ids = [...new Set(snapshots.flatMap((s) => s.tracks))];
  await upsertTracks(db, ids.map((id) => trackRowFromSpotify(spotifyTrack(id))));
  for (const s of snapshots) await replaceSnapshot(db, { userId: user.id, snapshotDate: s.date, timeRange: s.range, trackIds: s.tracks });
  return user.id;
}

/** Logs in over HTTP (app -> fake consent -> callback) and returns the session cookie and a CSRF token. */
export async function logInWithCsrf(app: FastifyInstance, fake: FakeSpotify, user: string): Promise<{ cookie: string; csrf: string }> {
  const login = await app.inject({ method: 'GET', url: '/login' });
  const { callback } = await approveOnFake(fake, new URL(login.headers.location as string).search, user);
  const done = await app.inject({ method: 'GET', url: callback, headers: { cookie: cookieFrom(login) } });
  expect(done.statusCode).toBe(302);
  let cookie = cookieFrom(done);
  const page = await app.inject({ method: 'GET', url: '/playlists', headers: { cookie } });
  expect(page.statusCode).toBe(200);
  cookie = cookieFrom(page, cookie);
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)?.[1];
  expect(csrf).toBeDefined();
  return { cookie, csrf: csrf! };
}

/** The playlists log of one user, oldest first, as plain rows. */
export async function playlistRows(db: Kysely<DB>, userId: number) {
  return db
    .selectFrom('playlists')
    .select(['spotify_playlist_id', 'name', 'source', 'parameters', 'track_count'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

export async function countPlaylistRows(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('playlists').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}
