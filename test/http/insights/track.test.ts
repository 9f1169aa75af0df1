import { expect, it } from 'vitest';
import { describeEachEngine } from '../../support/databases.js';
import { useInsightsApp } from '../../support/insights-fixture.js';

const json = { accept: 'application/json' };

describeEachEngine('GET /tracks/:id', ({ database }) => {
  const world = useInsightsApp(database);

  it('answers the facts from the payload and the rank history in every range', async () => {
    const res = await world.app.inject({ url: `/tracks/${world.fixture.id('A')}`, headers: { cookie: world.cookie, ...json } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.track).toEqual({
      trackId: world.fixture.id('A'),
      name: 'Golden Harbour',
      artists: [{ name: 'Alpha', spotifyUrl: 'https://open.spotify.com/artist/Alpha' }],
      album: 'Album X',
      albumUrl: expect.stringMatching(/^https:\/\/open\.spotify\.com\/album\//),
      releaseDate: '1999',
      durationMs: 200000,
      explicit: true,
      spotifyUrl: `https://open.spotify.com/track/${world.fixture.id('A')}`,
      coverUrl: expect.stringMatching(/-640$/),
    });
    expect([body.firstSeen, body.lastSeen, body.bestRank]).toEqual(['2024-01-10', '2024-04-01', 1]);
    expect(body.ranges).toEqual([
      { range: 'short_term', firstSeen: '2024-01-10', lastSeen: '2024-03-01', bestRank: 1, snapshots: 3 },
      { range: 'medium_term', firstSeen: '2024-04-01', lastSeen: '2024-04-01', bestRank: 2, snapshots: 1 },
    ]);
    expect(body.history).toEqual([
      { date: '2024-01-10', range: 'short_term', rank: 1 },
      { date: '2024-02-05', range: 'short_term', rank: 2 },
      { date: '2024-03-01', range: 'short_term', rank: 2 },
      { date: '2024-04-01', range: 'medium_term', rank: 2 },
    ]);
  });

  it('renders the chart, the table and "unknown" for what the payload lacks', async () => {
    const page = await world.app.inject({ url: `/tracks/${world.fixture.id('C')}`, headers: { cookie: world.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<div class="chart chart-desktop"><svg /g)).toHaveLength(1);
    expect(page.body).toContain('<h1>Midnight Satellite</h1>');
    expect(page.body).toContain('<dt>Released</dt><dd>17 May 2001</dd>');
    expect(page.body).toContain('<dt>Length</dt><dd>unknown</dd>');
    expect(page.body).toContain('<dt>Explicit</dt><dd>unknown</dd>');
    const legacy = await world.app.inject({ url: `/tracks/${world.fixture.id('E')}`, headers: { cookie: world.cookie, ...json } });
    expect(legacy.json().track).toMatchObject({ artists: [{ name: 'Delta', spotifyUrl: null }], releaseDate: null, durationMs: 250000, explicit: null, coverUrl: null });
  });

  it('is a 404 for a track the user does not have, an unknown id or a malformed one', async () => {
    for (const id of [world.fixture.id('F'), 'nosuchtrack', encodeURIComponent("x' or 1=1 --"), 'a'.repeat(100)]) {
      const res = await world.app.inject({ url: `/tracks/${id}`, headers: { cookie: world.cookie, ...json } });
      expect([id, res.statusCode, res.json()]).toEqual([id, 404, { error: { code: 'not_found', message: 'This track is not in your archive.' } }]);
    }
    expect((await world.app.inject({ url: `/tracks/${world.fixture.id('F')}`, headers: { cookie: world.cookie } })).body).toContain('This track is not in your archive.');
  });
});
