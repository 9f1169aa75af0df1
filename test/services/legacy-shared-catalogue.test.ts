import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.js';
import type { Db } from '../../src/repositories/executor.js';
import { upsertTracks } from '../../src/repositories/tracks.js';
import { findUserBySpotifyId, upsertUser } from '../../src/repositories/users.js';
import { visibleTracks } from '../../src/repositories/visible-tracks.js';
import { exportLegacyFile } from '../../src/services/legacy/export.js';
import { importLegacyFile } from '../../src/services/legacy/import.js';
import { verifyLegacyImport } from '../../src/services/legacy/verify.js';
import { describeEachEngine } from '../support/databases.js';
import { cleanTrack, trackJson, writeLegacyFile } from '../support/legacy-fixture.js';

const clock = fixedClock('2026-11-29T10:00:00Z');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtm-shared-catalogue-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A one-track legacy file: track X as `name`, in the short-term top on one day. */
function legacyFile(path: string, trackId: string, name: string) {
  writeLegacyFile(path, {
    tracks: [cleanTrack(trackId, { 1: name, 6: trackJson(trackId, { name }) })],
    snapshots: [[trackId, '2024-01-01', 'short_term', 1]],
  });
  return path;
}

async function nameFor(db: Db, userId: number, trackId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom(visibleTracks(db, userId).as('vt'))
    .select(['vt.name', 'vt.raw_json'])
    .where('vt.track_id', '=', trackId)
    .executeTakeFirst();
  if (row) expect((row.raw_json as { name?: string } | null)?.name).toBe(row.name);
  return row?.name;
}

async function search(db: Db, userId: number, word: string): Promise<string[]> {
  const rows = await db
    .selectFrom(visibleTracks(db, userId).as('vt'))
    .select('vt.track_id')
    .where(sql<boolean>`vt.search_vector @@ to_tsquery('simple', ${word})`)
    .orderBy('vt.track_id')
    .execute();
  return rows.map((r) => r.track_id);
}

describeEachEngine('one user\'s upload never changes what another user sees', ({ database }) => {
  const db = () => database().db;

  it('B\'s made-up name stays B\'s; A sees and verifies A\'s own file; Spotify\'s row wins for everyone once it comes', async () => {
    const engine = database().engine;
    const fakeFile = legacyFile(join(dir, `b-${engine}.db`), 'trk_x', 'Made Up Name');
    const realFile = legacyFile(join(dir, `a-${engine}.db`), 'trk_x', 'Real Name');
    await importLegacyFile(database().withBulkSession, { sourcePath: fakeFile, owner: 'cat-b', clock });
    const bImport = await importLegacyFile(database().withBulkSession, { sourcePath: realFile, owner: 'cat-a', clock });
    // Per owner: A's copy of the track is new to A, whatever B imported before.
    expect(bImport.tracks).toMatchObject({ read: 1, imported: 1, alreadyPresent: 0 });
    const a = (await findUserBySpotifyId(db(), 'cat-a'))!;
    const b = (await findUserBySpotifyId(db(), 'cat-b'))!;
    const c = await upsertUser(db(), { spotifyId: 'cat-c' });

    expect(await nameFor(db(), a.id, 'trk_x')).toBe('Real Name');
    expect(await nameFor(db(), b.id, 'trk_x')).toBe('Made Up Name');
    // A user who imported nothing is shown neither file's version.
    expect(await nameFor(db(), c.id, 'trk_x')).toBeUndefined();
    // Full-text search over visibleTracks finds each user's own words only.
    expect(await search(db(), a.id, 'real')).toEqual(['trk_x']);
    expect(await search(db(), a.id, 'made')).toEqual([]);
    expect(await search(db(), b.id, 'made')).toEqual(['trk_x']);
    expect(await search(db(), c.id, 'made')).toEqual([]);

    const verifyA = await verifyLegacyImport(database().withBulkSession, { sourcePath: realFile, owner: 'cat-a', clock });
    expect(verifyA.checks.filter((check) => !check.ok)).toEqual([]);
    expect(verifyA.ok).toBe(true);
    const verifyB = await verifyLegacyImport(database().withBulkSession, { sourcePath: fakeFile, owner: 'cat-b', clock });
    expect(verifyB.ok).toBe(true);

    // A capture brings Spotify's own object: from now on everyone sees it...
    await upsertTracks(db(), [
      { track_id: 'trk_x', name: 'Spotify Name', artist_name: 'Artist trk_x', album_name: 'Album trk_x', duration_ms: 200_000, spotify_url: 'https://open.spotify.com/track/trk_x', raw_json: trackJson('trk_x', { name: 'Spotify Name' }) },
    ]);
    for (const user of [a, b, c]) expect(await nameFor(db(), user.id, 'trk_x')).toBe('Spotify Name');
    expect(await search(db(), b.id, 'made')).toEqual([]);
    // ...while each file still verifies and exports as its owner imported it.
    expect((await verifyLegacyImport(database().withBulkSession, { sourcePath: realFile, owner: 'cat-a', clock })).ok).toBe(true);
    expect((await verifyLegacyImport(database().withBulkSession, { sourcePath: fakeFile, owner: 'cat-b', clock })).ok).toBe(true);
    const exported = join(dir, `export-a-${engine}.db`);
    await exportLegacyFile(db(), { owner: 'cat-a', outPath: exported });
    const file = new Sqlite(exported, { readonly: true });
    try {
      expect(file.prepare('select track_id, name from tracks').all()).toEqual([{ track_id: 'trk_x', name: 'Real Name' }]);
    } finally {
      file.close();
    }
  });
});
