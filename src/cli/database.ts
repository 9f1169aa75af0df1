import type { DatabaseConfig } from '../config.js';
import type { Database } from '../db/database.js';

/**
 * How a command reaches the database: the database code is imported here, on first use, so
 * `mtm --help` and the commands that never open it do not load pg, PGlite and Kysely; migrated
 * first when `migrate` is set (commands that write); closed when `work` ends, however it ends.
 */
export async function withCommandDatabase<T>(config: DatabaseConfig, options: { migrate: boolean }, work: (database: Database) => Promise<T>): Promise<T> {
  const [{ openDatabase }, { migrateToLatest }] = await Promise.all([import('../db/database.js'), import('../db/migrate.js')]);
  const database = await openDatabase(config);
  try {
    if (options.migrate) await migrateToLatest(database.db);
    return await work(database);
  } finally {
    await database.close();
  }
}
