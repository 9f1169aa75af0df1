import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { replaceSnapshot } from '../../../src/repositories/snapshots.js';
import { createUser } from '../../factories.js';
import { describeEachEngine } from '../../support/databases.js';
import { useInsightsApp } from '../../support/insights-fixture.js';

const json = { accept: 'application/json' };

describeEachEngine('GET /analytics', ({ database }) => {
  const world = useInsightsApp(database);

  it('answers growth, diversity and consistent artists over all months, exactly', async () => {
    const cookie = await world.login(world.fixture.user.id);
    const res = await world.app.inject({ url: '/analytics?range=all', headers: { cookie, ...json } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      range: 'all',
      // First short-term appearances: A, B in January, C in February, D in April.
      growth: [
        { month: '2024-01', newTracks: 2 },
        { month: '2024-02', newTracks: 1 },
        { month: '2024-03', newTracks: 0 },
        { month: '2024-04', newTracks: 1 },
      ],
      // Credited artists of every track in any range that month; E counts by its column (Delta).
      diversity: [
        { month: '2024-01', artists: 2 },
        { month: '2024-02', artists: 3 },
        { month: '2024-03', artists: 2 },
        { month: '2024-04', artists: 3 },
      ],
      consistentArtists: [
        { artist: 'Alpha', dates: 4 },
        { artist: 'Beta', dates: 3 },
        { artist: 'Gamma', dates: 2 },
        { artist: 'Delta', dates: 1 },
      ],
    });
  });

  it('lists the months up to the latest snapshot, never before the first, zeros included, and falls back from an unknown range saying so', async () => {
    const cookie = await world.login(world.fixture.user.id);
    const byDefault = (await world.app.inject({ url: '/analytics', headers: { cookie, ...json } })).json();
    expect(byDefault.range).toBe('12m');
    // 12 months back from April 2024 would start in May 2023; the archive starts in January 2024.
    expect(byDefault.growth).toEqual([
      { month: '2024-01', newTracks: 2 },
      { month: '2024-02', newTracks: 1 },
      { month: '2024-03', newTracks: 0 },
      { month: '2024-04', newTracks: 1 },
    ]);

    const unknown = await world.app.inject({ url: '/analytics?range=7y', headers: { cookie, ...json } });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toEqual({ ...byDefault, notice: '"7y" is not a period this page knows; showing the last 12 months.' });

    // A user whose archive spans more than the window: 2023-06 to 2024-04, six months shown.
    const longer = await createUser(database().db);
    await replaceSnapshot(database().db, { userId: longer.id, snapshotDate: '2023-06-15', timeRange: 'short_term', trackIds: [world.fixture.id('C')] });
    await replaceSnapshot(database().db, { userId: longer.id, snapshotDate: '2024-04-01', timeRange: 'long_term', trackIds: [world.fixture.id('A'), world.fixture.id('C')] });
    const sixMonths = (await world.app.inject({ url: '/analytics?range=6m', headers: { cookie: await world.login(longer.id), ...json } })).json();
    expect(sixMonths).toEqual({
      range: '6m',
      // C was first seen in June 2023, before the window: not new inside it.
      growth: ['2023-11', '2023-12', '2024-01', '2024-02', '2024-03', '2024-04'].map((month) => ({ month, newTracks: 0 })),
      diversity: [
        { month: '2023-11', artists: 0 },
        { month: '2023-12', artists: 0 },
        { month: '2024-01', artists: 0 },
        { month: '2024-02', artists: 0 },
        { month: '2024-03', artists: 0 },
        { month: '2024-04', artists: 2 },
      ],
      consistentArtists: [
        { artist: 'Alpha', dates: 1 },
        { artist: 'Gamma', dates: 1 },
      ],
    });
  });

  it('renders the charts as SVG with a table of the rows under each, and the notice', async () => {
    const cookie = await world.login(world.fixture.user.id);
    const page = await world.app.inject({ url: '/analytics?range=bogus', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<div class="chart chart-desktop"><svg /g)).toHaveLength(3);
    expect(page.body.match(/<details>/g)).toHaveLength(3);
    expect(page.body).toContain('Your archive starts in Jan 2024, so that month counts every track of your first snapshots.');
    expect(page.body).toContain('&quot;bogus&quot; is not a period this page knows');
    expect(page.body).toContain('<tr><td>Jan 2024</td><td class="num">2</td></tr>');
    expect(page.body).toContain('<tr><td>Alpha</td><td class="num">4</td></tr>');
  });

  it('refreshes the cached figures as soon as a new snapshot lands', async () => {
    const cookie = await world.login(world.fixture.user.id);
    await world.app.inject({ url: '/analytics?range=all', headers: { cookie, ...json } });
    await replaceSnapshot(database().db, { userId: world.fixture.user.id, snapshotDate: '2024-05-02', timeRange: 'short_term', trackIds: [world.fixture.id('E')] });
    const after = (await world.app.inject({ url: '/analytics?range=all', headers: { cookie, ...json } })).json();
    expect(after.growth.at(-1)).toEqual({ month: '2024-05', newTracks: 1 });
    await replaceSnapshot(database().db, { userId: world.fixture.user.id, snapshotDate: '2024-05-02', timeRange: 'short_term', trackIds: [] });
    const reverted = (await world.app.inject({ url: '/analytics?range=all', headers: { cookie, ...json } })).json();
    expect(reverted.growth.at(-1)).toEqual({ month: '2024-04', newTracks: 1 });
  });

  it('shows the empty state with the first-snapshot button, and empty JSON, for a user with no snapshots', async () => {
    const user = await createUser(database().db);
    const cookie = await world.login(user.id);
    const page = await world.app.inject({ url: '/analytics', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Take your first snapshot');
    expect((await world.app.inject({ url: '/analytics', headers: { cookie, ...json } })).json()).toEqual({ range: '12m', growth: [], diversity: [], consistentArtists: [] });
  });

  it('shows the failed state (503, what happened, a retry link) when the figures cannot be read, and a JSON error', async () => {
    const cookie = await world.login(world.fixture.user.id);
    const db = database().db;
    // A real failure: the table is briefly missing (this file has a database of its own).
    await sql`alter table snapshots rename to snapshots_away`.execute(db);
    try {
      const page = await world.app.inject({ url: '/analytics?range=24m', headers: { cookie } });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('These figures could not be loaded');
      expect(page.body).toContain('<a class="button" href="">Try again</a>');
      const dashboard = await world.app.inject({ url: '/dashboard', headers: { cookie } });
      expect([dashboard.statusCode, dashboard.body.includes('These figures could not be loaded')]).toEqual([503, true]);
      const api = await world.app.inject({ url: '/analytics?range=24m', headers: { cookie, ...json } });
      expect([api.statusCode, api.json().error.code]).toEqual([500, 'internal_error']);
      expect(api.body).not.toContain('snapshots');
    } finally {
      await sql`alter table snapshots_away rename to snapshots`.execute(db);
    }
    // Nothing failed was cached: the next request computes and answers.
    expect((await world.app.inject({ url: '/analytics?range=24m', headers: { cookie, ...json } })).json().range).toBe('24m');
  });

  it('sends a logged-out visitor to the login, and a JSON caller gets 401', async () => {
    expect((await world.app.inject({ url: '/analytics' })).headers.location).toBe('/login');
    expect((await world.app.inject({ url: '/analytics', headers: json })).statusCode).toBe(401);
  });
});
