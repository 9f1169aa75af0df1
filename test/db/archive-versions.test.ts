import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { getArchiveVersion } from '../../src/repositories/archive-versions.js';
import { insertSnapshotRowsBulk } from '../../src/repositories/snapshot-bulk.js';
import { replaceSnapshot } from '../../src/repositories/snapshots.js';
import { InsightCache } from '../../src/services/insight-cache.js';
import { createTracks, createUser } from '../factories.js';
import { describeEachEngine } from '../support/databases.js';

/**
 * The archive version that keys the insight caches (migration 0008): every statement that
 * changes a user's snapshots moves that user's version and no one else's, and deleting a user
 * still works with the triggers in place.
 */
describeEachEngine('archive versions and the insight cache', ({ database }) => {
  it('moves once per statement that changes the user\'s snapshots, whoever writes them', async () => {
    const db = database().db;
    const [user, other] = [await createUser(db), await createUser(db)];
    const tracks = await createTracks(db, 3);
    expect(await getArchiveVersion(db, user.id)).toBe(0);

    // A first capture: its delete finds nothing (no change), its insert creates version 1.
    await replaceSnapshot(db, { userId: user.id, snapshotDate: '2025-01-01', timeRange: 'short_term', trackIds: tracks });
    expect(await getArchiveVersion(db, user.id)).toBe(1);
    // Capturing the same key again: a delete and an insert.
    await replaceSnapshot(db, { userId: user.id, snapshotDate: '2025-01-01', timeRange: 'short_term', trackIds: tracks.slice(0, 2) });
    expect(await getArchiveVersion(db, user.id)).toBe(3);
    // The bulk path of imports and the demo seed, for two users in one statement.
    await insertSnapshotRowsBulk(db, [
      { user_id: user.id, track_id: tracks[0]!, snapshot_date: '2025-01-02', time_range: 'long_term', rank: 1 },
      { user_id: other.id, track_id: tracks[1]!, snapshot_date: '2025-01-02', time_range: 'long_term', rank: 1 },
    ]);
    expect([await getArchiveVersion(db, user.id), await getArchiveVersion(db, other.id)]).toEqual([4, 1]);
    await sql`update snapshots set rank = 2 where user_id = ${other.id}`.execute(db);
    expect([await getArchiveVersion(db, user.id), await getArchiveVersion(db, other.id)]).toEqual([4, 2]);

    // Deleting a user cascades to their snapshots and their version row, triggers and all.
    await db.deleteFrom('users').where('id', '=', user.id).execute();
    const left = await sql<{ n: number }>`select count(*)::int as n from archive_versions where user_id = ${user.id}`.execute(db);
    expect(left.rows[0]!.n).toBe(0);
    expect(await getArchiveVersion(db, other.id)).toBe(2);
  });

  it('computes a figure once per archive version, once for concurrent requests, and again after a change', async () => {
    const db = database().db;
    const user = await createUser(db);
    const tracks = await createTracks(db, 2);
    await replaceSnapshot(db, { userId: user.id, snapshotDate: '2025-02-01', timeRange: 'short_term', trackIds: tracks });
    const cache = new InsightCache(10);
    let computed = 0;
    const compute = async () => {
      computed += 1;
      await new Promise((done) => setTimeout(done, 20));
      return { computed };
    };
    const answers = await Promise.all([1, 2, 3].map(() => cache.get(db, user.id, 'figure', compute)));
    expect([computed, answers.map((a) => a.computed)]).toEqual([1, [1, 1, 1]]);
    expect((await cache.get(db, user.id, 'figure', compute)).computed).toBe(1);

    await replaceSnapshot(db, { userId: user.id, snapshotDate: '2025-02-02', timeRange: 'short_term', trackIds: tracks });
    expect((await cache.get(db, user.id, 'figure', compute)).computed).toBe(2);
    expect(computed).toBe(2);
  });

  it('keeps at most its bound of entries, dropping the least recently used', async () => {
    const db = database().db;
    const user = await createUser(db);
    const cache = new InsightCache(2);
    let computed = 0;
    const get = (key: string) => cache.get(db, user.id, key, async () => ++computed);
    await get('a');
    await get('b');
    await get('a');
    await get('c'); // b is the least recently used
    expect(cache.size).toBe(2);
    expect([await get('a'), await get('c'), computed]).toEqual([1, 3, 3]);
    expect(await get('b')).toBe(4);
  });
});
