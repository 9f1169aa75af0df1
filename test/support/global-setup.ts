import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openEmbedded } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTemplateDatabase, dropTemplateDatabase } from './postgres-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A migrated PGlite database dump that each test file starts from. */
    pgliteTemplatePath: string;
    /** The same before any migration (initdb is the slow part of a new PGlite). */
    pgliteEmptyTemplatePath: string;
    /** Name of the migrated PostgreSQL template database, when TEST_DATABASE_URL is set. */
    postgresTemplate: string | null;
  }
}

/**
 * Builds each engine's migrated database once per run; every test file then gets its own copy
 * (PGlite: loaded from a dump; PostgreSQL: CREATE DATABASE ... TEMPLATE), so files run in parallel.
 */
export default async function setup(project: TestProject) {
  if (process.env.CI === 'true' && !process.env.TEST_DATABASE_URL) {
    throw new Error('CI=true but TEST_DATABASE_URL is not set: database tests must also run on PostgreSQL in CI.');
  }
  const dir = await mkdtemp(join(tmpdir(), 'mtm-test-'));
  const embedded = await openEmbedded({ dataDir: 'memory://' });
  const emptyTemplatePath = join(dir, 'pglite-empty.tar');
  await writeFile(emptyTemplatePath, await embedded.dump());
  await migrateToLatest(embedded.db);
  const templatePath = join(dir, 'pglite-template.tar');
  await writeFile(templatePath, await embedded.dump());
  await embedded.close();
  project.provide('pgliteTemplatePath', templatePath);
  project.provide('pgliteEmptyTemplatePath', emptyTemplatePath);

  const url = process.env.TEST_DATABASE_URL;
  const postgresTemplate = url ? await createTemplateDatabase(url) : null;
  project.provide('postgresTemplate', postgresTemplate);

  return async () => {
    if (url && postgresTemplate) await dropTemplateDatabase(url, postgresTemplate);
    await rm(dir, { recursive: true, force: true });
  };
}
