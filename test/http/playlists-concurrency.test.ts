import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { buildTestApp } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';
import { countPlaylistRows, logInWithCsrf, playlistRows, seedArchive, trackId } from '../support/playlist-world.js';
import { fixedClock } from '../../src/lib/clock.js';

const USERS = 50;

/**
 * 50 logged-in listeners press "create" at the same moment, over real HTTP to a listening app:
 * every request succeeds, each listener gets exactly one playlist in Spotify holding their own
 * tracks in order, and the log holds exactly one row each.
 */
describeEachEngine('playlists: 50 users at once', ({ database }) => {
  const clock = fixedClock('2026-12-01T10:00:00Z');
  let fake: FakeSpotify;
  let app: FastifyInstance;
  let deps: Deps;
  let url: string;
  const users: Array<{ spotifyId: string; id: number; cookie: string; csrf: string; tracks: string[] }> = [];

  beforeAll(async () => {
    fake = await startFakeSpotify({ clock, users: [] });
    const listeners = fake.addUsers(USERS, 'plc');
    ({ app, deps } = await buildTestApp({ ...database(), close: async () => {} }, { SPOTIFY_RATE_LIMIT: '1000' }, { clock, fakeSpotify: fake, spotify: { backoffBaseMs: 1 } }));
    for (const [i, listener] of listeners.entries()) {
      // Two tracks everyone shares and one of their own, in a per-user order.
      const tracks = i % 2 === 0 ? [trackId('S', 1), trackId(`U${i}n`, 1), trackId('S', 2)] : [trackId(`U${i}n`, 1), trackId('S', 2), trackId('S', 1)];
      const id = await seedArchive(database().db, listener.id, [{ date: '2026-11-30', range: 'short_term', tracks }]);
      users.push({ spotifyId: listener.id, id, tracks, ...(await logInWithCsrf(app, fake, listener.id)) });
    }
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await deps?.close();
    await fake?.stop();
  });

  it('all 50 succeed; counts and contents are exact', async () => {
    const answers = await Promise.all(
      users.map((u) =>
        fetch(`${url}/api/generate-playlist`, {
          method: 'POST',
          headers: { cookie: u.cookie, 'x-csrf-token': u.csrf, 'content-type': 'application/json' },
          body: JSON.stringify({ source: 'current_rotation', name: `Rotation of ${u.spotifyId}` }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { playlist: { spotifyId: string; trackCount: number } } })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(users.map(() => 201));
    expect(await countPlaylistRows(database().db)).toBe(USERS);
    for (const [i, u] of users.entries()) {
      const inFake = fake.playlists(u.spotifyId);
      expect(inFake).toHaveLength(1);
      expect(inFake[0]).toMatchObject({ name: `Rotation of ${u.spotifyId}`, public: false, items: u.tracks.map((t) => `spotify:track:${t}`) });
      expect(answers[i]!.body.playlist).toMatchObject({ spotifyId: inFake[0]!.id, trackCount: 3 });
      expect(await playlistRows(database().db, u.id)).toEqual([
        { spotify_playlist_id: inFake[0]!.id, name: `Rotation of ${u.spotifyId}`, source: 'current_rotation', parameters: { date: '2026-11-30', range: 'short_term' }, track_count: 3 },
      ]);
    }
  }, 120_000);
});
