import { beforeAll, expect, it } from 'vitest';
import { explainInsightQueries, type ExplainedQuery } from '../../src/services/explain-insights.js';
import { generateInsightsData } from '../../bench/insights-data.js';
import { describeEachEngine } from '../support/databases.js';

/**
 * At a few hundred thousand snapshot rows (8 users x 7 months of daily snapshots, 3 ranges x 50),
 * the plans of the insight pages' queries, read through EXPLAIN (ANALYZE): every per-user query
 * reaches snapshots through an index that leads with user_id (never a sequential scan), and
 * search goes through the per-user full-text and trigram indexes of archive_tracks.
 */
describeEachEngine('insight queries use their indexes at volume', ({ database }) => {
  let queries: ExplainedQuery[];
  let rows: number;

  beforeAll(async () => {
    const db = database().db;
    const generated = await generateInsightsData(db, { users: 8, years: 0.6, endDate: '2026-06-30', prefix: 'xpl' });
    rows = generated.rows;
    queries = await explainInsightQueries(db, generated.userIds[3]!);
  }, 300_000);

  it('has the volume it claims', () => {
    expect(rows).toBe(8 * 219 * 150);
  });

  it('never scans snapshots sequentially, and reaches them through user-leading indexes', () => {
    const pages = [...new Set(queries.map((q) => q.page))];
    expect(pages).toEqual(['all', 'analytics', 'dashboard', 'history', 'track', 'search']);
    for (const q of queries) {
      expect({ query: `${q.page}: ${q.query}`, seqScans: q.seqScans.filter((t) => t === 'snapshots') }).toEqual({ query: `${q.page}: ${q.query}`, seqScans: [] });
    }
    const snapshotReaders = queries.filter((q) => /\bsnapshots\b/.test(q.sql));
    expect(snapshotReaders.length).toBeGreaterThanOrEqual(10);
    for (const q of snapshotReaders) {
      expect({ query: q.query, usesSnapshotIndex: q.indexes.some((i) => i === 'snapshots_pkey' || i === 'snapshots_user_track_date_idx') }).toEqual({ query: q.query, usesSnapshotIndex: true });
    }
  });

  it('never reads the whole catalogue: track metadata comes by key (no sequential scan of tracks)', () => {
    for (const q of queries) {
      expect({ query: `${q.page}: ${q.query}`, seqScans: q.seqScans.filter((t) => t === 'tracks') }).toEqual({ query: `${q.page}: ${q.query}`, seqScans: [] });
    }
  });

  it('searches the user\'s own tracks through the per-user full-text index, and the per-user trigram index for misspellings', () => {
    const fullText = queries.find((q) => q.page === 'search' && q.query.startsWith('full text'))!;
    const similar = queries.find((q) => q.page === 'search' && q.query.startsWith('similar'))!;
    expect(fullText.indexes).toContain('archive_tracks_search_keys_idx');
    expect(similar.indexes).toContain('archive_tracks_search_text_trgm_idx');
    for (const q of [fullText, similar]) {
      // No scan of any table, and of the catalogue (every user's tracks) only the shown rows'
      // metadata, by key.
      expect({ query: q.query, seqScans: q.seqScans, catalogueIndexes: q.indexes.filter((i) => i.startsWith('tracks_')) })
        .toEqual({ query: q.query, seqScans: [], catalogueIndexes: ['tracks_pkey'] });
      expect(q.indexes).toContain('tracks_pkey');
    }
  });

  it('reads one snapshot and one track\'s history through the keys alone', () => {
    const byName = (name: string) => queries.find((q) => q.query === name)!;
    expect(byName('top 50 with movement (1)').indexes).toEqual(expect.arrayContaining(['snapshots_pkey']));
    // The 50 tracks' metadata by key: never a scan of the catalogue.
    expect(byName('top 50 with movement (2)').indexes).toEqual(expect.arrayContaining(['tracks_pkey']));
    expect(byName('rank history').indexes).toEqual(['snapshots_user_track_date_idx']);
    expect(byName('archive version (cache check)').indexes).toEqual(['archive_versions_pkey']);
  });
});
