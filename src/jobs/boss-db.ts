import { CompiledQuery } from 'kysely';
import type PgBoss from 'pg-boss';
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
