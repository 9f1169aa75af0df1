import { expect, it } from 'vitest';
import { replaceSnapshot } from '../../../src/repositories/snapshots.js';
import { createUser } from '../../factories.js';
import { describeEachEngine } from '../../support/databases.js';
import { useInsightsApp } from '../../support/insights-fixture.js';

const json = { accept: 'application/json' };

describeEachEngine('GET /history (time machine)', ({ database }) => {
  const world = useInsightsApp(database);

  const moves = (body: { tracks: Array<{ trackId: string; rank: number; previousRank: number | null; movement: string; change: number }> }) =>
    body.tracks.map((t) => [t.rank, t.trackId.slice(-1), t.previousRank, t.movement, t.change]);

  it('shows the latest short-term snapshot by default, with a re-entry and a new track', async () => {
    const res = await world.app.inject({ url: '/history', headers: { cookie: world.cookie, ...json } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    // Every field of the answer, exactly: the response schema serializes it and would drop a field it lacks.
    expect(body).toEqual({
      range: 'short_term',
      requestedDate: null,
      date: '2024-04-01',
      exact: true,
      previousDate: '2024-03-01',
      nextDate: null,
      firstDate: '2024-01-10',
      latestDate: '2024-04-01',
      tracks: expect.any(Array),
    });
    // B was on 02-05, not on 03-01: a re-entry. D was never in the short-term chart: new.
    expect(moves(body)).toEqual([
      [1, 'B', null, 're', 0],
      [2, 'D', null, 'new', 0],
    ]);
    const b = world.fixture.id('B');
    expect(body.tracks[0]).toEqual({
      rank: 1,
      trackId: b,
      name: 'Paper Moon',
      artist: 'Alpha, Beta',
      album: 'Album X',
      spotifyUrl: `https://open.spotify.com/track/${b}`,
      coverUrl: `https://i.scdn.co/image/${b.slice(0, -1)}X-64`,
      previousRank: null,
      movement: 're',
      change: 0,
    });
  });

  it('counts moves up and down against the previous snapshot of the same range', async () => {
    const feb = (await world.app.inject({ url: '/history?date=2024-02-05&range=short_term', headers: { cookie: world.cookie, ...json } })).json();
    expect(moves(feb)).toEqual([
      [1, 'B', 2, 'up', 1],
      [2, 'A', 1, 'down', 1],
      [3, 'C', null, 'new', 0],
    ]);
    const mar = (await world.app.inject({ url: '/history?date=2024-03-01', headers: { cookie: world.cookie, ...json } })).json();
    expect(moves(mar)).toEqual([
      [1, 'C', 3, 'up', 2],
      [2, 'A', 2, 'same', 0],
    ]);
    const jan = (await world.app.inject({ url: '/history?date=2024-01-10', headers: { cookie: world.cookie, ...json } })).json();
    expect([jan.previousDate, jan.nextDate, moves(jan)]).toEqual([null, '2024-02-05', [[1, 'A', null, 'new', 0], [2, 'B', null, 'new', 0]]]);
  });

  it('shows the nearest earlier snapshot for a date without one (or the first), and says so', async () => {
    const between = (await world.app.inject({ url: '/history?date=2024-03-20', headers: { cookie: world.cookie, ...json } })).json();
    expect([between.date, between.exact, between.previousDate, between.nextDate]).toEqual(['2024-03-01', false, '2024-02-05', '2024-04-01']);
    const before = (await world.app.inject({ url: '/history?date=2020-01-01', headers: { cookie: world.cookie, ...json } })).json();
    expect([before.date, before.exact]).toEqual(['2024-01-10', false]);
    const page = await world.app.inject({ url: '/history?date=2024-03-20', headers: { cookie: world.cookie } });
    expect(page.body).toContain('There is no snapshot of this range on 20 Mar 2024; this is the nearest earlier one.');
    expect(page.body).toContain('min="2024-01-10" max="2024-04-01"');
    expect(page.body).toContain(`href="/tracks/${world.fixture.id('C')}"`);
    expect(page.body).toContain('<input type="hidden" name="source" value="snapshot">');
    expect(page.body).toContain('rel="prev" href="/history?range=short_term&amp;date=2024-02-05"');
  });

  it('keeps each range apart: the medium-term chart has its own dates', async () => {
    const medium = (await world.app.inject({ url: '/history?range=medium_term&date=2024-03-01', headers: { cookie: world.cookie, ...json } })).json();
    expect([medium.date, medium.exact, medium.previousDate, moves(medium)]).toEqual([
      '2024-04-01', false, null, [[1, 'E', null, 'new', 0], [2, 'A', null, 'new', 0]],
    ]);
  });

  it('answers 400 for a date or range it cannot read, writes nothing, and never shows another user\'s snapshot', async () => {
    for (const url of ['/history?date=2024-02-30', '/history?date=yesterday', '/history?range=forever', `/history?date=${'9'.repeat(40)}`]) {
      const res = await world.app.inject({ url, headers: { cookie: world.cookie, ...json } });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 400, expect.any(String)]);
    }
    const page = await world.app.inject({ url: '/history?date=nope', headers: { cookie: world.cookie } });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('is not a date: use YYYY-MM-DD');
    const other = (await world.app.inject({ url: '/history', headers: { cookie: await world.login(world.fixture.other.id), ...json } })).json();
    expect(moves(other)).toEqual([[1, 'F', null, 'new', 0], [2, 'A', null, 'new', 0]]);
  });

  it('shows a new snapshot, and its neighbours, as soon as it lands (the cached view is refreshed)', async () => {
    const { user, id } = world.fixture;
    const at = (url: string) => world.app.inject({ url, headers: { cookie: world.cookie, ...json } }).then((r) => r.json());
    expect((await at('/history')).date).toBe('2024-04-01');
    expect((await at('/history?date=2024-04-01')).nextDate).toBeNull();
    await replaceSnapshot(database().db, { userId: user.id, snapshotDate: '2024-05-02', timeRange: 'short_term', trackIds: [id('D'), id('A')] });
    const latest = await at('/history');
    expect([latest.date, latest.previousDate, moves(latest)]).toEqual(['2024-05-02', '2024-04-01', [[1, 'D', 2, 'up', 1], [2, 'A', null, 're', 0]]]);
    expect((await at('/history?date=2024-04-01')).nextDate).toBe('2024-05-02');
    await replaceSnapshot(database().db, { userId: user.id, snapshotDate: '2024-05-02', timeRange: 'short_term', trackIds: [] });
    expect((await at('/history')).date).toBe('2024-04-01');
    expect((await at('/history?date=2024-04-01')).nextDate).toBeNull();
  });

  it('shows the empty state for a user with no snapshots', async () => {
    const empty = await world.login((await createUser(database().db)).id);
    expect((await world.app.inject({ url: '/history', headers: { cookie: empty } })).body).toContain('Take your first snapshot');
    expect((await world.app.inject({ url: '/history', headers: { cookie: empty, ...json } })).json()).toEqual({ range: 'short_term', requestedDate: null, date: null, tracks: [] });
  });
});
