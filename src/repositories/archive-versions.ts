import type { Db } from './executor.js';

/**
 * The user's archive version: a counter that migration 0008's triggers move whenever any of the
 * user's snapshot rows are inserted, updated or deleted, by any writer. 0 when the user has never
 * had a snapshot. One primary-key read; caches of per-user figures are keyed by it.
 */
export async function getArchiveVersion(db: Db, userId: number): Promise<number> {
  const row = await db.selectFrom('archive_versions').select('version').where('user_id', '=', userId).executeTakeFirst();
  return row ? Number(row.version) : 0;
}
