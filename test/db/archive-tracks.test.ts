import { sql } from 'kysely';
import { expect, it } from 'vitest';
import type { NewTrack } from '../../src/db/schema.js';
import { inTransaction } from '../../src/repositories/executor.js';
import { insertSnapshotRowsBulk, withSnapshotKeysRebuilt } from '../../src/repositories/snapshot-bulk.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { upsertTracks } from '../../src/repositories/tracks.js';
import { deleteUserAndData } from '../../src/repositories/user-data.js';
import { searchArchive } from '../../src/services/search.js';
import { createUser } from '../factories.js';
import { describeEachEngine } from '../support/databases.js';

let counter = 0;
const unique = (name: string) => `at${Date.now().toString(36)}${(counter++).toString(36)}${name}`;
const track = (id: string, name: string, artist: string, album: string | null = null): NewTrack => ({
  track_id: id,
  name,
  artist_name: artist,
  album_name: album,
  duration_ms: 1000,
  spotify_url: null,
  raw_json: null,
});

/**
 * archive_tracks (migration 0009), the per-user table search reads: its triggers keep one row
 * per (user, track) with snapshots, carrying the text that user sees, through captures, bulk
 * loads, deletions, catalogue renames and the user's own file rows.
 */
describeEachEngine('the per-user search table follows the archive', ({ database }) => {
  /** The user's rows: track, name, trigram text and the user-prefixed index words. */
  const rows = async (userId: number) => {
    const result = await sql<{ track_id: string; name: string; search_text: string; keys: string }>`
      select track_id, name, search_text, search_keys::text as keys from archive_tracks where user_id = ${userId} order by track_id`.execute(database().db);
    return result.rows.map((r) => [r.track_id, r.name, r.search_text, r.keys]);
  };
  const found = async (userId: number, q: string) => (await searchArchive(database().db, userId, q)).results.map((r) => `${r.trackId}:${r.name}`);
  const capture = (userId: number, date: string, trackIds: string[]) =>
    replaceSnapshot(database().db, { userId, snapshotDate: date, timeRange: 'short_term', trackIds });

  it('gains a row per track with the first snapshot that has it, and loses it with the last', async () => {
    const db = database().db;
    const [user, other] = [await createUser(db), await createUser(db)];
    const [a, b, c] = [unique('a'), unique('b'), unique('c')];
    await upsertTracks(db, [track(a, 'Golden Harbour', 'Alpha', 'Album X'), track(b, 'Paper Moon', 'Beta'), track(c, 'Quiet Room', 'Gamma')]);

    await capture(user.id, '2025-01-01', [a, b]);
    expect(await rows(user.id)).toEqual([
      [a, 'Golden Harbour', 'Golden Harbour Alpha', `'${user.id}/album' '${user.id}/alpha' '${user.id}/golden' '${user.id}/harbour' '${user.id}/x'`],
      [b, 'Paper Moon', 'Paper Moon Beta', `'${user.id}/beta' '${user.id}/moon' '${user.id}/paper'`],
    ]);
    // The same key captured again (a delete and an insert) and a second date: still one row each.
    await capture(user.id, '2025-01-01', [a, b]);
    await capture(user.id, '2025-01-02', [b]);
    expect((await rows(user.id)).map((r) => r[0])).toEqual([a, b]);
    expect(await found(user.id, 'gol')).toEqual([`${a}:Golden Harbour`]);
    expect(await found(other.id, 'gol')).toEqual([]);

    // The bulk path (imports, the demo seed): two users in one statement, with the snapshots'
    // keys dropped and rebuilt around it as a large import does.
    await inTransaction(db, (trx) =>
      withSnapshotKeysRebuilt(trx, () =>
        insertSnapshotRowsBulk(trx, [
          { user_id: user.id, track_id: c, snapshot_date: '2025-01-03', time_range: 'long_term', rank: 1 },
          { user_id: user.id, track_id: c, snapshot_date: '2025-01-04', time_range: 'long_term', rank: 1 },
          { user_id: other.id, track_id: a, snapshot_date: '2025-01-03', time_range: 'long_term', rank: 1 },
        ]),
      ),
    );
    expect((await rows(user.id)).map((r) => r[0])).toEqual([a, b, c]);
    expect((await rows(other.id)).map((r) => r.slice(0, 3))).toEqual([[a, 'Golden Harbour', 'Golden Harbour Alpha']]);
    expect(await found(other.id, 'gol')).toEqual([`${a}:Golden Harbour`]);

    // A track leaves when its last snapshot goes: a goes with 2025-01-01; b stays (2025-01-02).
    await capture(user.id, '2025-01-01', [b]);
    expect((await rows(user.id)).map((r) => r[0])).toEqual([b, c]);
    await db.deleteFrom('snapshots').where('user_id', '=', user.id).where('snapshot_date', '=', '2025-01-02').execute();
    expect((await rows(user.id)).map((r) => r[0])).toEqual([b, c]);
    await db.deleteFrom('snapshots').where('user_id', '=', user.id).where('track_id', '=', b).execute();
    expect((await rows(user.id)).map((r) => r[0])).toEqual([c]);
    expect(await found(user.id, 'gol')).toEqual([]);
    expect(await found(other.id, 'gol')).toEqual([`${a}:Golden Harbour`]);

    // Deleting the account takes every row of that user, and only theirs.
    await deleteUserAndData(db, user.id);
    expect(await rows(user.id)).toEqual([]);
    expect((await rows(other.id)).map((r) => r[0])).toEqual([a]);
  });

  it('follows a catalogue rename for every user who has the track', async () => {
    const db = database().db;
    const [user, other, third] = [await createUser(db), await createUser(db), await createUser(db)];
    const [a, b] = [unique('a'), unique('b')];
    await upsertTracks(db, [track(a, 'Golden Harbour', 'Alpha'), track(b, 'Paper Moon', 'Beta')]);
    await capture(user.id, '2025-01-01', [a, b]);
    await capture(other.id, '2025-01-01', [a]);
    await capture(third.id, '2025-01-01', [b]);

    // A capture brings Spotify's new name (upsertTracks rewrites the catalogue row).
    await upsertTracks(db, [track(a, 'Silver Harbour', 'Alpha & Delta')]);
    for (const u of [user, other]) {
      expect((await rows(u.id)).find((r) => r[0] === a)).toEqual([a, 'Silver Harbour', 'Silver Harbour Alpha & Delta', `'${u.id}/alpha' '${u.id}/delta' '${u.id}/harbour' '${u.id}/silver'`]);
      expect(await found(u.id, 'silv delt')).toEqual([`${a}:Silver Harbour`]);
      expect(await found(u.id, 'golden')).toEqual([]);
    }
    // Others' rows of other tracks are untouched.
    expect(await rows(third.id)).toEqual([[b, 'Paper Moon', 'Paper Moon Beta', `'${third.id}/beta' '${third.id}/moon' '${third.id}/paper'`]]);
    // The trigram fallback reads the new text too.
    expect(await searchArchive(db, other.id, 'silvr')).toMatchObject({ mode: 'similar', results: [{ trackId: a, name: 'Silver Harbour' }] });
  });

  it('shows a file-only track by the user\'s own copy, to that user only, until Spotify supplies it', async () => {
    const db = database().db;
    const [user, other] = [await createUser(db), await createUser(db)];
    const f = unique('f');
    // A legacy file's placeholder: anchors the snapshots, shown to nobody (see visibleTracks).
    await db.insertInto('tracks').values({ ...track(f, 'Placeholder', 'Nobody'), file_only: true }).execute();
    await capture(user.id, '2025-01-01', [f]);
    await capture(other.id, '2025-01-01', [f]);
    // No copy of their own yet: a row that matches nothing.
    expect(await rows(user.id)).toEqual([[f, '', '', '']]);
    expect(await found(user.id, 'placeholder')).toEqual([]);

    // The user's own file row arrives (a legacy import's user_tracks insert).
    await db.insertInto('user_tracks').values({ ...track(f, 'Mine Only', 'My Band'), user_id: user.id }).execute();
    expect(await rows(user.id)).toEqual([[f, 'Mine Only', 'Mine Only My Band', `'${user.id}/band' '${user.id}/mine' '${user.id}/my' '${user.id}/only'`]]);
    expect(await found(user.id, 'mine')).toEqual([`${f}:Mine Only`]);
    expect(await rows(other.id)).toEqual([[f, '', '', '']]);
    expect(await found(other.id, 'mine')).toEqual([]);

    await db.updateTable('user_tracks').set({ name: 'Mine Renamed' }).where('user_id', '=', user.id).where('track_id', '=', f).execute();
    expect(await found(user.id, 'renamed')).toEqual([`${f}:Mine Renamed`]);
    await db.deleteFrom('user_tracks').where('user_id', '=', user.id).where('track_id', '=', f).execute();
    expect(await rows(user.id)).toEqual([[f, '', '', '']]);
    await db.insertInto('user_tracks').values({ ...track(f, 'Mine Again', 'My Band'), user_id: user.id }).execute();

    // A capture supplies Spotify's row: from then on everyone sees the catalogue's name.
    await upsertTracks(db, [track(f, 'Spotify Name', 'Real Artist')]);
    expect(await found(user.id, 'spotify')).toEqual([`${f}:Spotify Name`]);
    expect(await found(other.id, 'spotify')).toEqual([`${f}:Spotify Name`]);
    expect(await found(user.id, 'mine')).toEqual([]);
  });
});
