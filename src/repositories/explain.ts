import type { CompiledQuery } from 'kysely';
import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

/** A plan node as EXPLAIN (FORMAT JSON) writes it: only the fields we read. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

export interface QueryPlan {
  /** Execution time reported by EXPLAIN ANALYZE, in ms. */
  executionMs: number;
  planningMs: number;
  /** Every index the plan reads, in plan order, without repeats. */
  indexes: string[];
  /** Tables read by a sequential scan. */
  seqScans: string[];
  /** Shared buffers hit and read (BUFFERS). */
  buffers: { hit: number; read: number };
}

/**
 * Runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) for one compiled query, with its parameters, and
 * summarises the plan. ANALYZE executes the query: pass only reads.
 */
export async function explainAnalyze(db: Db, query: CompiledQuery): Promise<QueryPlan> {
  const statement = `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.sql}`;
  const result = await db.executeQuery<{ 'QUERY PLAN': unknown }>({ ...query, sql: statement });
  const raw = result.rows[0]!['QUERY PLAN'];
  // node-postgres parses the json column; PGlite may hand it back as text.
  const [root] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{
    Plan: PlanNode & { 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number };
    'Execution Time': number;
    'Planning Time': number;
  }>;
  const indexes: string[] = [];
  const seqScans: string[] = [];
  const walk = (node: PlanNode) => {
    if (node['Index Name'] && !indexes.includes(node['Index Name'])) indexes.push(node['Index Name']);
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && !seqScans.includes(node['Relation Name'])) seqScans.push(node['Relation Name']);
    node.Plans?.forEach(walk);
  };
  walk(root!.Plan);
  return {
    executionMs: root!['Execution Time'],
    planningMs: root!['Planning Time'],
    indexes,
    seqScans,
    buffers: { hit: root!.Plan['Shared Hit Blocks'] ?? 0, read: root!.Plan['Shared Read Blocks'] ?? 0 },
  };
}

/** Refreshes the planner statistics of the archive tables (after a bulk load). */
export async function analyzeArchiveTables(db: Db): Promise<void> {
  await sql`analyze snapshots`.execute(db);
  await sql`analyze tracks`.execute(db);
}

/** The user with the largest archive version (the most snapshot writes), for `mtm explain` without --user. */
export async function findBusiestUserId(db: Db): Promise<number | undefined> {
  const row = await db.selectFrom('archive_versions').select('user_id').orderBy('version', 'desc').orderBy('user_id').limit(1).executeTakeFirst();
  return row ? Number(row.user_id) : undefined;
}
