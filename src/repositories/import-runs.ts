import type { JsonObject } from '../db/schema.js';
import type { Db } from './executor.js';

/**
 * import_runs: one row per legacy import, so an operator can see what each run did. A run's row
 * is written once it ended: a succeeded run's in the import's own transaction (so it lands with
 * the rows, or not at all), a failed run's after that transaction rolled back. Every time written
 * comes from the caller's clock, never the database's or this process's own.
 */
export async function recordImportRun(
  db: Db,
  run: {
    userId: number;
    sourceSha256: string;
    sourceName: string | null;
    startedAt: Date;
    finishedAt: Date;
  } & ({ status: 'succeeded'; counts: JsonObject } | { status: 'failed'; error: string }),
): Promise<number> {
  const row = await db
    .insertInto('import_runs')
    .values({
      user_id: run.userId,
      source_sha256: run.sourceSha256,
      source_name: run.sourceName,
      status: run.status,
      counts: run.status === 'succeeded' ? JSON.stringify(run.counts) : '{}',
      error: run.status === 'failed' ? run.error : null,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Runs still marked running when the caller holds the owner's import lock were killed before
 * they finished; their work was one transaction that never committed, so nothing of them stayed.
 * (Imports no longer write a running row; archives from before that may still hold some.)
 */
export async function markInterruptedImportRuns(db: Db, userId: number, at: Date): Promise<number> {
  const result = await db
    .updateTable('import_runs')
    .set({
      status: 'failed',
      error: 'interrupted before it finished; nothing from this run was kept (the import commits all at once)',
      finished_at: at,
    })
    .where('user_id', '=', userId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listImportRuns(db: Db, userId: number) {
  return db.selectFrom('import_runs').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}
