import { sql, type Kysely } from '../db/kysely.js';
import type { DB } from '../db/schema.js';

/**
 * Session settings and explicit transactions for a bulk job on its held session
 * (`database.withBulkSession`, db/bulk-session.ts): the legacy import's COPYs, temp tables and
 * index rebuilds all run on one connection, so these statements must too; never on the pool.
 */

/** Tunes the held session for a bulk load; undo with `resetBulkLoadTuning`. */
export async function tuneSessionForBulkLoad(db: Kysely<DB>, engine: 'postgres' | 'embedded'): Promise<void> {
  await sql`set statement_timeout = 0`.execute(db); // a bulk job, not a web request
  // Staging lives in temp tables; the default 8 MB of temp buffers would spill them to disk.
  // (It only takes effect before the session's first temp table: call this first.)
  // Embedded, the opposite: the temp buffers are PGlite's WebAssembly memory, whose touched pages
  // stay part of the process for good (the 40 MB of staged tracks alone stayed in it), while a
  // spilled page is only a write to the operating system's cache (PGlite runs without fsync).
  // So 1 MB instead of the default 8 MB.
  if (engine === 'postgres') await sql`set temp_buffers = '256MB'`.execute(db).catch(() => {});
  else await sql`set temp_buffers = '1MB'`.execute(db).catch(() => {});
  // Track payloads (~2 KB of JSON each, stored twice: staged, then the owner's copy) cross the
  // TOAST threshold, so each is compressed as it lands. lz4 does that several times faster than
  // PostgreSQL's default pglz (0.2 s of a 20,000-track import) for slightly larger rows; reads
  // decompress either transparently. A server built without lz4 refuses the setting: then pglz.
  if (engine === 'postgres') await sql`set default_toast_compression = 'lz4'`.execute(db).catch(() => {});
  // Index rebuilds: 64 MB (PostgreSQL's default) measured fastest for 2 million rows. With 512 MB
  // the sort stays in memory and runs 25% slower (it misses the CPU caches); with 32 MB it spills
  // too much. Pinned, so a server tuned for other work does not slow the import down.
  // Embedded, the sort memory is PGlite's WebAssembly memory, which never shrinks: 16 MB took
  // ~50 MB off the import's peak at no measurable cost in time (its spill files are ordinary
  // files), and 8 MB (with temp_buffers at 1 MB) about 20 MB more.
  await sql.raw(`set maintenance_work_mem = '${engine === 'embedded' ? '8MB' : '64MB'}'`).execute(db);
}

export async function resetBulkLoadTuning(db: Kysely<DB>): Promise<void> {
  await sql`reset statement_timeout; reset maintenance_work_mem; reset default_toast_compression`.execute(db);
}

/**
 * Opens a transaction on the held session with a plain BEGIN: Kysely's `transaction()` wants a
 * pool to check a connection out of, and the bulk session already is the connection.
 */
export async function beginSessionTransaction(db: Kysely<DB>): Promise<void> {
  await sql`begin`.execute(db);
}

export async function endSessionTransaction(db: Kysely<DB>, outcome: 'commit' | 'rollback'): Promise<void> {
  await sql.raw(outcome).execute(db);
}
