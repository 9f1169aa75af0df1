import type { JsonObject } from '../db/schema.js';
import type { Db } from './executor.js';

/**
 * import_runs: one row per legacy import, so an operator can see what each run did. Every time
 * written comes from the caller's clock (`at`), never the database's or this process's own.
 */
export async function startImportRun(db: Db, run: { userId: number; sourceSha256: string; sourceName: string | null; at: Date }): Promise<number> {
  const row = await db
    .insertInto('import_runs')
    .values({ user_id: run.userId, source_sha256: run.sourceSha256, source_name: run.sourceName, status: 'running', counts: '{}', started_at: run.at })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function finishImportRun(db: Db, runId: number, counts: JsonObject, at: Date): Promise<void> {
  await db
    .updateTable('import_runs')
    .set({ status: 'succeeded', counts: JSON.stringify(counts), finished_at: at })
    .where('id', '=', runId)
    .execute();
}

export async function failImportRun(db: Db, runId: number, error: string, at: Date): Promise<void> {
  await db
    .updateTable('import_runs')
    .set({ status: 'failed', error, finished_at: at })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Runs still marked running when the caller holds the owner's import lock were killed before
 * they finished; their work was one transaction that never committed, so nothing of them stayed.
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
