import { expect, it } from 'vitest';
import { replaceSnapshot } from '../../../src/repositories/snapshots.js';
import { createUser } from '../../factories.js';
import { describeEachEngine } from '../../support/databases.js';
import { useInsightsApp } from '../../support/insights-fixture.js';

const json = { accept: 'application/json' };

describeEachEngine('GET /dashboard', ({ database }) => {
  const world = useInsightsApp(database);

  it('computes every fact from the payloads of the user\'s distinct tracks, missing fields as unknown', async () => {
    const cookie = await world.login(world.fixture.user.id);
    const res = await world.app.inject({ url: '/dashboard', headers: { cookie, ...json } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      tracks: 5, // A B C D E; F is only the other user's
      snapshotDates: 4,
      // '1999' (year), '2001-05' (month) and '2001-05-17' (day); D has no release_date, E no payload.
      releaseYears: [
        { year: 2001, tracks: 2 },
        { year: 1999, tracks: 1 },
      ],
      decades: [
        { decade: 1990, tracks: 1 },
        { decade: 2000, tracks: 2 },
      ],
      explicit: { explicit: 1, clean: 2, unknown: 2 },
      // Of A, B, D (the payloads with external_ids), A and B carry an ISRC.
      isrcShare: 0.6667,
      // A, B, D: (200000 + 100000 + 300000) / 3; C has no duration_ms, E no payload.
      avgDurationMs: 200000,
      topAlbums: [
        { album: 'Album X', artist: 'Alpha', tracks: 2 },
        { album: 'Album Y', artist: 'Gamma', tracks: 1 },
        { album: 'Album Z', artist: 'Beta', tracks: 1 },
      ],
    });
  });

  it('says "unknown" for the ISRC share when no payload has external IDs, never 0%', async () => {
    // The other user has F and A: both payloads carry an ISRC.
    expect((await world.app.inject({ url: '/dashboard', headers: { cookie: await world.login(world.fixture.other.id), ...json } })).json().isrcShare).toBe(1);
    // Only C, whose payload has no external_ids at all (as development-mode apps receive them).
    const onlyC = await createUser(database().db);
    await replaceSnapshot(database().db, { userId: onlyC.id, snapshotDate: '2024-06-01', timeRange: 'long_term', trackIds: [world.fixture.id('C')] });
    const cOnly = await world.login(onlyC.id);
    const facts = (await world.app.inject({ url: '/dashboard', headers: { cookie: cOnly, ...json } })).json();
    expect([facts.isrcShare, facts.avgDurationMs, facts.explicit]).toEqual([null, null, { explicit: 0, clean: 0, unknown: 1 }]);
    const unknownPage = (await world.app.inject({ url: '/dashboard', headers: { cookie: cOnly } })).body;
    expect(unknownPage).toContain("no track's data carries external IDs");
    const page = await world.app.inject({ url: '/dashboard', headers: { cookie: await world.login(world.fixture.user.id) } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('of tracks are explicit (1 explicit, 2 clean, 2 unknown)');
    expect(page.body).toContain('of the 3 tracks with external IDs have an ISRC');
    expect(page.body).toContain('66.7%');
    expect(page.body).toContain('2 have no release date');
    expect(page.body).toContain('<tr><td>2001</td><td class="num">2</td></tr>');
    expect(page.body.match(/<div class="chart chart-desktop"><svg /g)).toHaveLength(3);
  });

  it('shows the empty state and zero JSON for a user without snapshots', async () => {
    const cookie = await world.login((await createUser(database().db)).id);
    expect((await world.app.inject({ url: '/dashboard', headers: { cookie } })).body).toContain('Take your first snapshot');
    expect((await world.app.inject({ url: '/dashboard', headers: { cookie, ...json } })).json()).toEqual({
      tracks: 0,
      snapshotDates: 0,
      releaseYears: [],
      decades: [],
      explicit: { explicit: 0, clean: 0, unknown: 0 },
      isrcShare: null,
      avgDurationMs: null,
      topAlbums: [],
    });
  });
});
