import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

/** What `mtm preflight` reads about the server and the schema: catalogue queries only, no data. */

export interface ConnectionLimits {
  maxConnections: number;
  /** Slots only superusers (and, on PostgreSQL 16+, pg_use_reserved_connections) may take. */
  reserved: number;
  serverVersion: string;
}

export async function readConnectionLimits(db: Db): Promise<ConnectionLimits> {
  const result = await sql<{ max: number; superuser: number; reserved: number | null; version: string }>`
    select current_setting('max_connections')::int as max,
           current_setting('superuser_reserved_connections')::int as superuser,
           nullif(current_setting('reserved_connections', true), '')::int as reserved,
           current_setting('server_version') as version`.execute(db);
  const row = result.rows[0]!;
  return { maxConnections: row.max, reserved: row.superuser + (row.reserved ?? 0), serverVersion: row.version };
}

/** Tables in the public schema, by name. */
export async function listPublicTables(db: Db): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}

/** Valid indexes in the public schema, by name (an index left invalid by a failed build is absent). */
export async function listPublicIndexes(db: Db): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select c.relname as name from pg_index i
    join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and i.indisvalid order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}
