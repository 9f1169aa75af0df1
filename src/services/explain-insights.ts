import type { CompiledQuery, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { NotFoundError } from '../lib/errors.js';
import { listConsistentArtists, listMonthlyDistinctArtists, listMonthlyNewShortTermTracks } from '../repositories/analytics.js';
import { getArchiveVersion } from '../repositories/archive-versions.js';
import { getDashboardFacts } from '../repositories/dashboard.js';
import type { Db } from '../repositories/executor.js';
import { explainAnalyze, type QueryPlan } from '../repositories/explain.js';
import { searchTracksFullText, searchTracksSimilar } from '../repositories/search.js';
import { findArchiveSpan } from '../repositories/snapshots.js';
import { findSnapshotNeighbours, listSnapshotWithMovement } from '../repositories/time-machine.js';
import { findTrackInArchive, listTrackRanks, summariseTrackRanks } from '../repositories/track-history.js';
import { searchWords } from './search.js';

export interface ExplainedQuery extends QueryPlan {
  page: string;
  query: string;
  sql: string;
}

/**
 * Records the operation node of every query executed through it, so the exact SQL can be compiled
 * again. Subqueries embedded in a query (visibleTracks) are transformed too but never executed on
 * their own: only nodes whose result comes back are kept.
 */
class QueryRecorder implements KyselyPlugin {
  private readonly transformed = new Map<unknown, PluginTransformQueryArgs>();
  readonly seen: PluginTransformQueryArgs[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.transformed.set(args.queryId, args);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const executed = this.transformed.get(args.queryId);
    if (executed) this.seen.push(executed);
    return args.result;
  }
}

interface Step {
  page: string;
  query: string;
  run: (db: Db) => Promise<unknown>;
}

/**
 * The queries the insight pages run for one user, each executed once as the page would (same
 * SQL, same parameters: the repository functions themselves, recorded), then explained with
 * EXPLAIN (ANALYZE, BUFFERS). Inputs are taken from the user's own archive: the latest
 * short-term snapshot, its first track, a word of that track's name and a misspelling of it.
 */
export async function explainInsightQueries(db: Db, userId: number): Promise<ExplainedQuery[]> {
  const span = await findArchiveSpan(db, userId);
  if (!span) throw new NotFoundError(`User ${userId} has no snapshots: nothing to explain.`);
  const latest = await findSnapshotNeighbours(db, userId, 'short_term', null);
  const chart = latest ? await listSnapshotWithMovement(db, userId, 'short_term', latest.date, latest.previous) : [];
  const track = chart[0];
  const word = searchWords(track?.name ?? 'a').sort((a, b) => b.length - a.length)[0] ?? 'a';
  const misspelt = word.length > 3 ? word.slice(0, 2) + word.slice(3) : `${word}x`;
  const yearStart = `${shiftYear(span.latest)}-01`;
  const window = { start: yearStart < span.first ? span.first : yearStart, end: span.latest };

  const steps: Step[] = [
    { page: 'all', query: 'archive version (cache check)', run: (d) => getArchiveVersion(d, userId) },
    { page: 'analytics', query: 'archive span', run: (d) => findArchiveSpan(d, userId) },
    { page: 'analytics', query: 'monthly new short-term tracks (12m)', run: (d) => listMonthlyNewShortTermTracks(d, userId, window) },
    { page: 'analytics', query: 'monthly distinct artists (12m)', run: (d) => listMonthlyDistinctArtists(d, userId, window) },
    { page: 'analytics', query: 'consistent artists (12m)', run: (d) => listConsistentArtists(d, userId, window) },
    { page: 'dashboard', query: 'dashboard facts', run: (d) => getDashboardFacts(d, userId) },
    { page: 'history', query: 'snapshot and neighbours', run: (d) => findSnapshotNeighbours(d, userId, 'short_term', null) },
    ...(latest
      ? [{ page: 'history', query: 'top 50 with movement', run: (d: Db) => listSnapshotWithMovement(d, userId, 'short_term', latest.date, latest.previous) }]
      : []),
    ...(track
      ? [
          { page: 'track', query: 'track in archive', run: (d: Db) => findTrackInArchive(d, userId, track.track_id) },
          { page: 'track', query: 'rank summary per range', run: (d: Db) => summariseTrackRanks(d, userId, track.track_id) },
          { page: 'track', query: 'rank history', run: (d: Db) => listTrackRanks(d, userId, track.track_id) },
        ]
      : []),
    { page: 'search', query: `full text "${word.slice(0, 3)}" (prefix)`, run: (d) => searchTracksFullText(d, userId, [word.slice(0, 3)], 50) },
    { page: 'search', query: `similar to "${misspelt}"`, run: (d) => searchTracksSimilar(d, userId, misspelt, 50) },
  ];

  const explained: ExplainedQuery[] = [];
  for (const step of steps) {
    const recorder = new QueryRecorder();
    await step.run(db.withPlugin(recorder));
    for (const [i, args] of recorder.seen.entries()) {
      const compiled: CompiledQuery = db.getExecutor().compileQuery(args.node, args.queryId);
      const plan = await explainAnalyze(db, compiled);
      explained.push({ page: step.page, query: recorder.seen.length > 1 ? `${step.query} (${i + 1})` : step.query, sql: compiled.sql, ...plan });
    }
  }
  return explained;
}

function shiftYear(isoDate: string): string {
  // The 12-month window of the analytics page: the month 11 months before the latest.
  const [y, m] = isoDate.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - 11;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}
