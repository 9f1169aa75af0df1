import { CompiledQuery } from '../db/kysely.js';
import type pg from 'pg';
import type PgBoss from 'pg-boss';
import plans from 'pg-boss/src/plans.js';
import type { Db } from '../repositories/executor.js';

/**
 * pg-boss's database adapter over our Kysely handle (the pool, or a transaction).
 *
 * Used for the embedded PGlite, which pg-boss cannot reach with a connection string, and for
 * sending jobs inside one of our transactions so a claim and its job commit together.
 * Parameterless text goes over the simple protocol, which runs pg-boss's multi-statement
 * scripts (schema install, advisory-locked migrations) on both engines.
 */
export function bossDbOver(db: Db): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await db.executeQuery(CompiledQuery.raw(text, (values ?? []).map(toParameter)));
      return { rows: result.rows as unknown[] as never[] };
    },
  };
}

/**
 * node-postgres turns plain objects into JSON text and undefined into NULL; PGlite needs that
 * done for it. Arrays stay arrays: both engines send them as PostgreSQL arrays (job id lists).
 */
function toParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !ArrayBuffer.isView(value)) {
    return JSON.stringify(value);
  }
  return value;
}

/** pg-boss's database adapter over a node-postgres pool of its own (what pg-boss itself would do). */
export function bossDbOverPool(pool: pg.Pool): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await pool.query(text, values);
      return { rows: result.rows as never[] };
    },
  };
}

/**
 * pg-boss's worker loop ends each job with `complete()` or `fail()` without awaiting them, so
 * when the database is gone at that moment (an outage, a cut connection) their rejection is
 * unhandled and Node ends the process. This adapter answers those two statements' failures with
 * "no rows changed" instead, after reporting them: the job stays active, pg-boss expires it
 * (expireInSeconds) and retries it, and our handlers are safe to run again (a capture that
 * already ran sees "already captured"). Every other statement fails as usual; pg-boss awaits those.
 */
export function withUnrecordedCompletions(db: PgBoss.Db, schema: string, report: (error: unknown) => void): PgBoss.Db {
  const completions = new Set([plans.completeJobs(schema), plans.failJobsById(schema)]);
  return {
    async executeSql(text: string, values?: unknown[]) {
      try {
        return await db.executeSql(text, values ?? []);
      } catch (error) {
        if (!completions.has(text)) throw error;
        report(error);
        return { rows: [{ count: 0 }] as never[] };
      }
    },
  };
}
