import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import type { TimeRange } from '../../src/lib/time-ranges.js';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { upsertTracks } from '../../src/repositories/tracks.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { upsertUser } from '../../src/repositories/users.js';
import { trackRowFromSpotify } from '../../src/services/track-rows.js';
import { spotifyTrack } from '../factories.js';
import { approveOnFake } from './app.js';
import { cookieFrom } from './cookies.js';

/** A browser's session for inject(): the cookie jar of one visitor. */
export interface Visitor {
  cookie: string;
}

/** The whole login over HTTP (app -> fake consent -> callback), continuing `visitor`'s session. */
export async function logInAs(app: FastifyInstance, fake: FakeSpotify, user: string, visitor: Visitor = { cookie: '' }): Promise<{ visitor: Visitor; landedOn: string }> {
  const login = await app.inject({ method: 'GET', url: '/login', headers: { cookie: visitor.cookie } });
  const { callback } = await approveOnFake(fake, new URL(login.headers.location as string).search, user);
  const done = await app.inject({ method: 'GET', url: callback, headers: { cookie: cookieFrom(login, visitor.cookie) } });
  if (done.statusCode !== 302) throw new Error(`login of ${user} failed: ${done.statusCode} ${done.body.slice(0, 300)}`);
  return { visitor: { cookie: cookieFrom(done) }, landedOn: done.headers.location as string };
}

/** GET as `visitor` (HTML unless json), keeping any cookie the answer sets. */
export async function visit(app: FastifyInstance, visitor: Visitor, url: string, json = false): Promise<LightMyRequestResponse> {
  const response = await app.inject({ method: 'GET', url, headers: { cookie: visitor.cookie, ...(json ? { accept: 'application/json' } : {}) } });
  visitor.cookie = cookieFrom(response, visitor.cookie);
  return response;
}

/** The CSRF token of `visitor`'s session, read from a page's form as a browser would. */
export async function csrfTokenOf(app: FastifyInstance, visitor: Visitor, page = '/settings'): Promise<string> {
  const response = await visit(app, visitor, page);
  const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
  if (!token) throw new Error(`no CSRF field on ${page} (${response.statusCode})`);
  return token;
}

/** POSTs a form as `visitor` with its CSRF token (or `fields._csrf` when given). */
export async function postForm(app: FastifyInstance, visitor: Visitor, url: string, fields: Record<string, string> = {}, options: { json?: boolean; token?: string } = {}) {
  const token = options.token ?? (await csrfTokenOf(app, visitor));
  const response = await app.inject({
    method: 'POST',
    url,
    headers: { cookie: visitor.cookie, 'content-type': 'application/x-www-form-urlencoded', ...(options.json ? { accept: 'application/json' } : {}) },
    payload: new URLSearchParams({ _csrf: token, ...fields }).toString(),
  });
  visitor.cookie = cookieFrom(response, visitor.cookie);
  return response;
}

export interface SeededSnapshot {
  date: string;
  range: TimeRange;
  /** Track keys of the user's `tracks` map, in rank order. */
  tracks: string[];
}

/**
 * A user with a hand-written archive: `tracks` maps a short key to [track id, artist name];
 * the snapshots name tracks by key. Returns the user's id.
 */
export async function seedArchive(
  db: Kysely<DB>,
  spotifyId: string,
  tracks: Record<string, [id: string, artist: string]>,
  snapshots: readonly SeededSnapshot[],
): Promise<number> {
  const user = await upsertUser(db, { spotifyId, displayName: spotifyId });
  await upsertTracks(
    db,
    Object.values(tracks).map(([id, artist]) =>
      trackRowFromSpotify(spotifyTrack(id, { artists: [{ id: `artist-${artist}`, name: artist, type: 'artist', uri: `spotify:artist:x` }] })),
    ),
  );
  for (const s of snapshots) {
    await replaceSnapshot(db, { userId: user.id, snapshotDate: s.date, timeRange: s.range, trackIds: s.tracks.map((k) => tracks[k]![0]) });
  }
  return user.id;
}
