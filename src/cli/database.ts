import type { Config, DatabaseConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Deps } from '../deps.js';

/**
 * How a command reaches the database: the database code is imported here, on first use, so
 * `mtm --help` and the commands that never open it do not load pg, PGlite and Kysely; migrated
 * first when `migrate` is set (commands that write); opened for one bulk job when `bulkJob` is
 * set (see EMBEDDED_BULK_START); closed when `work` ends, however it ends.
 */
export async function withCommandDatabase<T>(
  config: DatabaseConfig,
  options: { migrate: boolean; bulkJob?: boolean },
  work: (database: Database) => Promise<T>,
): Promise<T> {
  const [{ openDatabase }, { migrateToLatest }] = await Promise.all([import('../db/database.js'), import('../db/migrate.js')]);
  const database = await openDatabase(config, undefined, { bulkJob: options.bulkJob });
  try {
    if (options.migrate) await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}

/**
 * The same for commands that need the whole app (Spotify, the clock, the capture rules): the
 * composition root `createDeps`, imported on use, the database migrated, everything closed after.
 */
export async function withCommandDeps<T>(config: Config, work: (deps: Deps) => Promise<T>): Promise<T> {
  const [{ createDeps }, { migrateToLatest }] = await Promise.all([import('../deps.js'), import('../db/migrate.js')]);
  const deps = await createDeps(config, {});
  try {
    await migrateToLatest(deps.database.db);
    return await work(deps);
  } finally {
    await deps.close();
  }
}
