import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { countArchive, findLatestSnapshot } from '../../src/repositories/snapshots.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { connectDemoListeners, seedDemoHistory, type DemoHistorySource } from '../../src/services/demo-seed.js';
import { spotifyForUser } from '../../src/services/spotify-user.js';
import { createTokenCipher } from '../../src/lib/token-cipher.js';
import { systemClock } from '../../src/lib/clock.js';
import { markNeedsReauth } from '../../src/repositories/users.js';
import { describeEachEngine } from '../support/databases.js';
import { fakeSpotifyClient } from '../support/spotify-client.js';

describeEachEngine('demo seed: daily history from the fake\'s taste model', ({ database }) => {
  let fake: FakeSpotify;
  let source: DemoHistorySource;
  beforeAll(async () => {
    fake = await startFakeSpotify({ users: [{ id: 'seed-a', display_name: 'Seed A' }, { id: 'seed-b', display_name: 'Seed B', topTrackCount: 12 }] });
    source = { listeners: fake.users(), topTracks: fake.topTrackObjects };
  });
  afterAll(() => fake.stop());

  it('writes one snapshot per day and range, resumes after an interruption, and reruns as a no-op', async () => {
    const db = database().db;
    const stop = new AbortController();
    stop.abort(); // interrupted before the first chunk: only the listeners exist
    expect(await seedDemoHistory(db, source, { today: '2026-06-30', days: 30, chunkDays: 7, signal: stop.signal })).toEqual({ users: 2, snapshotsWritten: 0, rows: 0 });
    const a = (await findUserBySpotifyId(db, 'seed-a'))!;
    const b = (await findUserBySpotifyId(db, 'seed-b'))!;
    expect(a.display_name).toBe('Seed A');

    const first = await seedDemoHistory(db, source, { today: '2026-06-30', days: 30, chunkDays: 7 });
    expect(first).toEqual({ users: 2, snapshotsWritten: 180, rows: 30 * 3 * 50 + 30 * 3 * 12 });
    expect(await countArchive(db, a.id)).toMatchObject({ snapshots: 90, snapshotRows: 4500, days: 30 });
    expect(await countArchive(db, b.id)).toMatchObject({ snapshots: 90, snapshotRows: 1080, days: 30 });

    // The stored ranking is exactly what the fake answers for that listener, range and day.
    const latest = (await findLatestSnapshot(db, a.id, 'short_term'))!;
    expect(latest.snapshotDate).toBe('2026-06-30');
    expect(latest.tracks.map((t) => t.track_id)).toEqual(fake.topTrackObjects('seed-a', 'short_term', new Date('2026-06-30T12:00:00Z')).map((t) => t.id));

    expect(await seedDemoHistory(db, source, { today: '2026-06-30', days: 30 })).toEqual({ users: 2, snapshotsWritten: 0, rows: 0 });

    // Three days later only the three new days are written.
    expect(await seedDemoHistory(db, source, { today: '2026-07-03', days: 30 })).toEqual({ users: 2, snapshotsWritten: 18, rows: 3 * 3 * 50 + 3 * 3 * 12 });
    expect(await countArchive(db, a.id)).toMatchObject({ snapshots: 99, days: 33 });
  });

  it('gives demo listeners working tokens on each start and clears a stale "log in again" flag', async () => {
    const db = database().db;
    const deps = { db, cipher: createTokenCipher('demo-test-secret-0123456789-0123456789'), clock: systemClock };
    await connectDemoListeners(deps, source.listeners, (id) => fake.issueTokens(id));
    const a = (await findUserBySpotifyId(db, 'seed-a'))!;
    await markNeedsReauth(db, a.id);
    fake.revokeTokens('seed-a'); // what a restart of the in-process fake amounts to
    await connectDemoListeners(deps, source.listeners, (id) => fake.issueTokens(id));
    expect((await findUserBySpotifyId(db, 'seed-a'))!.needs_reauth).toBe(false);
    const client = fakeSpotifyClient(fake);
    const page = await spotifyForUser({ ...deps, client }, a.id).getTopTracks('short_term');
    expect(page.items).toHaveLength(50);
  });
});
