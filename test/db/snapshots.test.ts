import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  countArchive,
  findLatestSnapshot,
  replaceSnapshot,
} from '../../src/repositories/snapshots.js';
import { findTrack, upsertTracks } from '../../src/repositories/tracks.js';
import { trackRowFromSpotify } from '../../src/services/track-rows.js';
import { createTracks, createUser, spotifyTrack, unique } from '../factories.js';
import type { TimeRange } from '../../src/lib/time-ranges.js';
import { snapshotRows } from '../support/capture-world.js';
import { describeEachEngine } from '../support/databases.js';

describeEachEngine('snapshots repository', ({ database }) => {
  const db = () => database().db;

  const rowsFor = (userId: number, date: string, range: TimeRange = 'short_term') => snapshotRows(db(), userId, date, range);

  it('writes 50 ranked rows and reads them back as the latest snapshot', async () => {
    const user = await createUser(db());
    const ids = await createTracks(db(), 50);
    await replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-01-10', timeRange: 'short_term', trackIds: ids });
    await replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-01-11', timeRange: 'short_term', trackIds: [...ids].reverse() });

    const latest = await findLatestSnapshot(db(), user.id, 'short_term');
    expect(latest?.snapshotDate).toBe('2026-01-11');
    expect(latest?.tracks).toHaveLength(50);
    expect(latest?.tracks[0]).toEqual({
      rank: 1,
      track_id: ids[49],
      name: `Song ${ids[49]}`,
      artist_name: `Artist of ${ids[49]}`,
      album_name: `Album of ${ids[49]}`,
      spotify_url: `https://open.spotify.com/track/${ids[49]}`,
    });
    expect(latest?.tracks.map((t) => t.rank)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(await findLatestSnapshot(db(), user.id, 'long_term')).toBeUndefined();
    expect(await countArchive(db(), user.id)).toEqual({ tracks: 50, snapshots: 2, snapshotRows: 100, days: 2 });
  });

  it('writing the same snapshot twice leaves one copy, and a re-capture replaces the ranking', async () => {
    const user = await createUser(db());
    const ids = await createTracks(db(), 5);
    const write = { userId: user.id, snapshotDate: '2026-02-01', timeRange: 'short_term' as const, trackIds: ids };
    await replaceSnapshot(db(), write);
    await replaceSnapshot(db(), write);
    expect(await rowsFor(user.id, '2026-02-01')).toEqual(ids.map((track_id, i) => ({ track_id, rank: i + 1 })));

    // Same day, new ranking without the first track: no leftover of the old ranking.
    const second = [ids[2]!, ids[1]!, ids[4]!];
    await replaceSnapshot(db(), { ...write, trackIds: second });
    expect(await rowsFor(user.id, '2026-02-01')).toEqual([
      { track_id: ids[2], rank: 1 },
      { track_id: ids[1], rank: 2 },
      { track_id: ids[4], rank: 3 },
    ]);
    expect(await countArchive(db(), user.id)).toEqual({ tracks: 3, snapshots: 1, snapshotRows: 3, days: 1 });
  });

  it('is all-or-nothing: a failure half-way leaves the previous snapshot untouched', async () => {
    const user = await createUser(db());
    const ids = await createTracks(db(), 50);
    const before = ids.slice(0, 10);
    await replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-03-01', timeRange: 'medium_term', trackIds: before });

    // Track 26 was never stored: the foreign key fails after 25 good rows.
    const broken = [...ids.slice(0, 25), 'not-a-stored-track', ...ids.slice(25, 49)];
    await expect(
      replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-03-01', timeRange: 'medium_term', trackIds: broken }),
    ).rejects.toMatchObject({ code: '23503' });
    await expect(
      replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-03-02', timeRange: 'medium_term', trackIds: broken }),
    ).rejects.toMatchObject({ code: '23503' });

    expect(await rowsFor(user.id, '2026-03-01', 'medium_term')).toEqual(before.map((track_id, i) => ({ track_id, rank: i + 1 })));
    expect(await rowsFor(user.id, '2026-03-02', 'medium_term')).toEqual([]);
  });

  it('refuses more than 50 tracks, a repeated track and an unknown user, writing nothing', async () => {
    const user = await createUser(db());
    const ids = await createTracks(db(), 51);
    const base = { userId: user.id, snapshotDate: '2026-04-01', timeRange: 'long_term' as const };
    await expect(replaceSnapshot(db(), { ...base, trackIds: ids })).rejects.toThrow('A snapshot holds at most 50 tracks, got 51.');
    await expect(replaceSnapshot(db(), { ...base, trackIds: [ids[0]!, ids[1]!, ids[0]!] })).rejects.toThrow(
      `Track ${ids[0]} appears twice in one snapshot.`,
    );
    await expect(replaceSnapshot(db(), { ...base, userId: 987654321, trackIds: ids.slice(0, 3) })).rejects.toThrow(
      'No user with id 987654321.',
    );
    expect(await countArchive(db(), user.id)).toEqual({ tracks: 0, snapshots: 0, snapshotRows: 0, days: 0 });
  });

  it('runs 20 concurrent snapshot writes for different users without lock errors', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => createUser(db())));
    const ids = await createTracks(db(), 50);
    const results = await Promise.all(
      users.map((user, u) =>
        replaceSnapshot(db(), {
          userId: user.id,
          snapshotDate: '2026-05-05',
          timeRange: 'short_term',
          // Each user a different rotation of the same 50 tracks.
          trackIds: [...ids.slice(u), ...ids.slice(0, u)],
        }),
      ),
    );
    expect(results).toEqual(users.map(() => ({ rows: 50 })));
    for (const [u, user] of users.entries()) {
      expect(await countArchive(db(), user.id)).toEqual({ tracks: 50, snapshots: 1, snapshotRows: 50, days: 1 });
      const latest = await findLatestSnapshot(db(), user.id, 'short_term');
      expect(latest?.tracks[0]?.track_id).toBe(ids[u]);
    }
    const total = await db()
      .selectFrom('snapshots')
      .select(sql<number>`count(*)`.as('n'))
      .where('user_id', 'in', users.map((u) => u.id))
      .executeTakeFirstOrThrow();
    expect(total.n).toBe(1000);
  });

  it('concurrent re-captures of one key end with exactly one complete ranking', async () => {
    const user = await createUser(db());
    const ids = await createTracks(db(), 50);
    const rankings = Array.from({ length: 8 }, (_, k) => [...ids.slice(k), ...ids.slice(0, k)]);
    await Promise.all(
      rankings.map((trackIds) =>
        replaceSnapshot(db(), { userId: user.id, snapshotDate: '2026-06-06', timeRange: 'short_term', trackIds }),
      ),
    );
    const rows = await rowsFor(user.id, '2026-06-06');
    expect(rows).toHaveLength(50);
    const stored = rows.map((r) => r.track_id);
    expect(rankings.some((r) => r.join() === stored.join())).toBe(true);
  });
});

describeEachEngine('tracks repository', ({ database }) => {
  const db = () => database().db;

  it('keeps the whole Spotify object in raw_json as queryable JSONB and refreshes it on upsert', async () => {
    const id = unique('raw');
    const track = spotifyTrack(id, {
      name: 'Tab\there "quoted" \\ back 🎵 مرحبا',
      artists: [{ name: 'Björk' }, { name: 'Beyoncé' }],
      explicit: true,
      some_future_field: { nested: [1, 2, 3] },
    });
    await upsertTracks(db(), [trackRowFromSpotify(track)]);
    const stored = await findTrack(db(), id);
    expect(stored).toMatchObject({
      track_id: id,
      name: 'Tab\there "quoted" \\ back 🎵 مرحبا',
      artist_name: 'Björk, Beyoncé',
      album_name: `Album of ${id}`,
      duration_ms: track.duration_ms,
      spotify_url: `https://open.spotify.com/track/${id}`,
    });
    expect(stored?.raw_json).toEqual(track);

    const facts = await sql<{ year: string; explicit: boolean }>`
      select left(raw_json->'album'->>'release_date', 4) as year, (raw_json->>'explicit')::boolean as explicit
      from tracks where track_id = ${id}`.execute(db());
    expect(facts.rows).toEqual([{ year: '2021', explicit: true }]);

    await upsertTracks(db(), [trackRowFromSpotify({ ...track, name: 'Renamed upstream' })]);
    expect((await findTrack(db(), id))?.name).toBe('Renamed upstream');
    const count = await db().selectFrom('tracks').select(sql<number>`count(*)`.as('n')).where('track_id', '=', id).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('finds tracks by words of the name, artist or album through the search vector', async () => {
    const id = unique('fts');
    await upsertTracks(db(), [trackRowFromSpotify(spotifyTrack(id, { name: 'Zyxwv Midnight', artists: [{ name: 'Qqq Orchestra' }] }))]);
    const hits = await sql<{ track_id: string }>`
      select track_id from tracks where search_vector @@ plainto_tsquery('simple', ${'qqq zyxwv'})`.execute(db());
    expect(hits.rows).toEqual([{ track_id: id }]);
  });
});
