import { expect, it } from 'vitest';
import { describeEachEngine } from '../../support/databases.js';
import { useInsightsApp } from '../../support/insights-fixture.js';

const json = { accept: 'application/json' };

describeEachEngine('GET /search', ({ database }) => {
  const world = useInsightsApp(database);

  const search = async (q: string) => {
    const res = await world.app.inject({ url: `/search?q=${encodeURIComponent(q)}`, headers: { cookie: world.cookie, ...json } });
    expect(res.statusCode).toBe(200);
    return res.json() as { q: string; mode: string; results: Array<{ trackId: string; name: string; nameHtml: string; artistHtml: string; albumHtml: string | null }> };
  };
  const letters = (answer: { results: Array<{ trackId: string }> }) => answer.results.map((r) => r.trackId.slice(-1));

  it('finds the user\'s own tracks by word prefix, ranked (title before artist before album), with highlights', async () => {
    const golden = await search('gold');
    // "Golden Fox" is only in the other user's archive.
    expect([golden.mode, letters(golden)]).toEqual(['fulltext', ['A']]);
    // Every field of a result, exactly: the response schema serializes it and would drop a field it lacks.
    expect(golden).toEqual({
      q: 'gold',
      mode: 'fulltext',
      results: [
        { trackId: world.fixture.id('A'), name: 'Golden Harbour', artist: 'Alpha', album: 'Album X', nameHtml: '<mark>Golden</mark> Harbour', artistHtml: 'Alpha', albumHtml: 'Album X' },
      ],
    });

    const alpha = await search('Alph');
    // Artist matches (weight B) for A and B, album artist not indexed; name order breaks the tie.
    expect(letters(alpha)).toEqual(['A', 'B']);
    expect(alpha.results[1]!.artistHtml).toBe('<mark>Alpha</mark>, Beta');

    const album = await search('album x');
    expect(letters(album)).toEqual(['A', 'B']);
    expect(album.results[0]!.albumHtml).toBe('<mark>Album</mark> <mark>X</mark>');
  });

  it('finds a slightly misspelled name through trigram similarity when no word matches', async () => {
    const typo = await search('satelite');
    expect([typo.mode, letters(typo)]).toEqual(['similar', ['C']]);
    expect(typo.results[0]!.nameHtml).toBe('Midnight Satellite');
  });

  it('matches unicode and right-to-left text', async () => {
    expect(letters(await search('ça'))).toEqual(['D']);
    expect(letters(await search('لا'))).toEqual(['D']);
  });

  it('treats any input as text: quotes, tsquery operators, markup, 1 kB, and nothing matching', async () => {
    const hostile = ["'", '"', "golden' | 'x", 'gold:* & !harbour', '(((', '<->', '\\', '%_', "'; drop table tracks; --", '\u0001gold\u0002', 'שלום עולם', '🎵'];
    for (const q of hostile) {
      const answer = await search(q);
      expect(answer.q).toBe(q);
    }
    // The words golden and x (album "Album X"), both required: the quotes and | are not syntax.
    expect(letters(await search("golden' | 'x"))).toEqual(['A']);
    expect(letters(await search("paper' | 'golden"))).toEqual([]);
    expect(letters(await search('gold:* & !harbour'))).toEqual(['A']);
    expect(letters(await search('\u0001gold\u0002'))).toEqual(['A']);
    const long = await search('golden '.repeat(146));
    expect(long.q).toBe('golden '.repeat(146).trim());
    expect(letters(long)).toEqual(['A']);

    const page = await world.app.inject({ url: `/search?q=${encodeURIComponent('<script>alert(1)</script>')}`, headers: { cookie: world.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const tooLong = await world.app.inject({ url: `/search?q=${'a'.repeat(2001)}`, headers: { cookie: world.cookie, ...json } });
    expect(tooLong.statusCode).toBe(400);
  });

  it('answers htmx with only the results list, and a browser with the whole page', async () => {
    const partial = await world.app.inject({ url: '/search?q=paper', headers: { cookie: world.cookie, 'hx-request': 'true' } });
    expect(partial.statusCode).toBe(200);
    expect(partial.body).not.toContain('<html');
    expect(partial.body).toContain(`<a class="track-name" href="/tracks/${world.fixture.id('B')}"><mark>Paper</mark> Moon</a>`);
    const page = await world.app.inject({ url: '/search?q=paper', headers: { cookie: world.cookie } });
    expect(page.body).toContain('<html');
    expect(page.body).toContain('hx-get="/search"');
    expect(page.body).toContain('<mark>Paper</mark> Moon');
    expect((await search('')).results).toEqual([]);
    // The layout loads htmx from its package; nothing else of that folder is served.
    expect(page.body).toContain('<script src="/static/vendor/htmx.min.js" defer></script>');
    const htmx = await world.app.inject({ url: '/static/vendor/htmx.min.js' });
    expect([htmx.statusCode, htmx.headers['content-type']]).toEqual([200, 'application/javascript; charset=utf-8']);
    expect((await world.app.inject({ url: '/static/vendor/htmx.js' })).statusCode).toBe(404);
  });
});
