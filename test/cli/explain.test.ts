import { describe, expect, it } from 'vitest';
import { embeddedDataDir, runMtm } from '../support/cli.js';
import { seedInsightsArchive } from '../support/insights-fixture.js';

describe('mtm explain', () => {
  let userId: number;
  const data = embeddedDataDir('mtm-explain-cli-', async (db) => {
    userId = (await seedInsightsArchive(db)).user.id;
  });

  it('--json lists every insight query with its time, indexes and sequential scans', async () => {
    const { code, out, err } = await runMtm(['explain', '--user', String(userId), '--json'], data.env);
    expect(err).toEqual([]);
    const report = JSON.parse(out[0]!) as { userId: number; queries: Array<{ page: string; query: string; executionMs: number; indexes: string[]; seqScans: string[]; sql: string }> };
    expect(report.userId).toBe(userId);
    expect(report.queries.map((q) => `${q.page}: ${q.query}`)).toEqual([
      'all: archive version (cache check)',
      'analytics: archive span',
      'analytics: monthly new short-term tracks (12m)',
      'analytics: monthly distinct artists (12m)',
      'analytics: consistent artists (12m)',
      'dashboard: dashboard facts',
      'history: snapshot and neighbours (1)',
      'history: snapshot and neighbours (2)',
      'history: top 50 with movement (1)',
      'history: top 50 with movement (2)',
      'track: track in archive',
      'track: rank summary per range',
      'track: rank history',
      // The latest short-term #1 is "Paper Moon": its longest word, and that word misspelt.
      'search: full text "pap" (prefix)',
      'search: similar to "paer"',
    ]);
    for (const q of report.queries) {
      expect(q.executionMs).toBeGreaterThanOrEqual(0);
      expect(q.sql).toMatch(/^\s*(select|with)\b/i);
    }
    // A tiny archive may be scanned whole (that is the planner's choice at 15 rows); the exit
    // code says whether any query scanned snapshots sequentially.
    expect(code).toBe(report.queries.some((q) => q.seqScans.includes('snapshots')) ? 1 : 0);
  });

  it('prints one line per query for a person, and refuses a bad --user', async () => {
    const { out } = await runMtm(['explain', '--user', String(userId)], data.env);
    expect(out[0]).toMatch(/^EXPLAIN \(ANALYZE, BUFFERS\) of the insight pages' queries for user \d+ on /);
    expect(out.filter((l) => / ms {2}indexes: /.test(l))).toHaveLength(15);
    const bad = await runMtm(['explain', '--user', 'me'], data.env);
    expect([bad.code, bad.err[0]]).toEqual([2, 'mtm explain: --user takes a user id (a positive number), got "me". Run `mtm explain --help`.']);
    const nobody = await runMtm(['explain', '--user', '999999'], data.env);
    expect([nobody.code, nobody.err[0]]).toEqual([1, 'mtm explain: User 999999 has no snapshots: nothing to explain.']);
  });
});
