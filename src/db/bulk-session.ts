import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect } from './kysely.js';
import type pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import type { DB } from './schema.js';

/**
 * One database session held for a bulk job (legacy import, verify, export): temporary tables,
 * session settings and COPY all happen on this one connection. `db` runs queries on it and
 * `copyInto` streams COPY text into a table on it.
 *
 * PostgreSQL: a client checked out of the pool for the whole job and discarded afterwards (so
 * temp tables, settings and advisory locks never leak into the pool).
 * PGlite: the single connection, held for the whole job; other callers of the app's `db` wait.
 * So the work must use only `session.db`, never the app's `db` (that would wait for itself).
 */
export interface BulkSession {
  readonly kind: 'postgres' | 'embedded';
  readonly db: Kysely<DB>;
  /**
   * COPY ... FROM in text format. `chunks` yields COPY text (see lib/copy-text.ts); every chunk
   * must end at a row boundary. Returns the number of rows copied.
   */
  copyInto(table: string, columns: readonly string[], chunks: AsyncIterable<string>): Promise<number>;
}

export type WithBulkSession = <T>(work: (session: BulkSession) => Promise<T>) => Promise<T>;

export function copyStatement(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${source}`;
}

/** A bulk session on a client from a node-postgres pool. */
export function postgresBulkSession(pool: pg.Pool): WithBulkSession {
  return async (work) => {
    const client = await pool.connect();
    // Kysely's PostgresDriver asks a pool for clients; this one always hands out our client.
    const held = { query: client.query.bind(client), release: () => {} };
    const db = new Kysely<DB>({
      dialect: new PostgresDialect({ pool: { connect: async () => held, end: async () => {} } as unknown as pg.Pool }),
    });
    try {
      return await work({
        kind: 'postgres',
        db,
        async copyInto(table, columns, chunks) {
          const stream = client.query(copyFromStdin(copyStatement(table, columns, 'STDIN')));
          await pipeline(chunks, stream);
          return stream.rowCount;
        },
      });
    } finally {
      await db.destroy();
      // Never reuse: the job may have left temp tables, SET values or a half-done COPY behind.
      client.release(true);
    }
  };
}

/**
 * PGlite's COPY reads a whole buffer at once: rows go in batches of about this many bytes. Each
 * batch exists as text, as bytes, and twice more inside the worker (a Blob, then PGlite's
 * ArrayBuffer of it) while it loads, and those copies die only at the next garbage collection:
 * 512 KB batches took ~75 MB off the embedded import's peak compared with 2 MB ones, at no
 * measurable cost in CPU time (bench figures in docs/LEGACY-IMPORT.md).
 */
export const PGLITE_COPY_BATCH_BYTES = 512 * 1024;

/** Feeds COPY text to `copyBatch` in bounded batches (PGlite's '/dev/blob' COPY). */
export async function copyInBatches(
  chunks: AsyncIterable<string>,
  copyBatch: (data: Uint8Array) => Promise<number>,
  batchBytes = PGLITE_COPY_BATCH_BYTES,
): Promise<number> {
  let parts: string[] = [];
  let size = 0;
  let rows = 0;
  const flush = async () => {
    if (size === 0) return;
    const data = Buffer.from(parts.join(''), 'utf8');
    parts = [];
    size = 0;
    rows += await copyBatch(data);
  };
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= batchBytes) await flush();
  }
  await flush();
  return rows;
}
