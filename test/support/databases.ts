import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { openDatabase, openEmbedded, type Database } from '../../src/db/database.js';
import { createDatabase, databaseUrl, dropDatabase } from './postgres-admin.js';

export type Engine = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (always in CI). */
export const ENGINES: readonly Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase extends Database {
  readonly engine: Engine;
}

/**
 * A database of its own for one test file: migrated (a copy of the run's template) unless
 * `migrated: false`, in which case it is empty. Closing it also drops it.
 */
export async function openTestDatabase(engine: Engine, options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const migrated = options.migrated ?? true;
  if (engine === 'pglite') {
    const loadDataDir = new Uint8Array(await readFile(inject(migrated ? 'pgliteTemplatePath' : 'pgliteEmptyTemplatePath')));
    const database = await openEmbedded({ dataDir: 'memory://', loadDataDir });
    return { ...database, engine };
  }
  const baseUrl = process.env.TEST_DATABASE_URL!;
  const name = await createDatabase(baseUrl, 'file', migrated ? inject('postgresTemplate')! : undefined);
  const url = databaseUrl(baseUrl, name);
  const database = await openDatabase({ kind: 'postgres', url, poolMin: 0, poolMax: 25, statementTimeoutMs: 30_000 });
  return {
    ...database,
    engine,
    location: url,
    close: async () => {
      await database.close();
      await dropDatabase(baseUrl, name);
    },
  };
}

/**
 * Declares the same tests once per engine, each with its own migrated database, so every
 * database test proves the code behaves identically on PGlite and on PostgreSQL.
 */
export function describeEachEngine(title: string, body: (ctx: { database: () => TestDatabase; engine: Engine }) => void): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await openTestDatabase(engine);
      });
      afterAll(async () => {
        await database?.close();
      });
      body({
        engine,
        database: () => {
          if (!database) throw new Error('the test database is not open yet');
          return database;
        },
      });
    });
  }
}
