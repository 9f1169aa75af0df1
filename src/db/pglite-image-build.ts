import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { openEmbedded } from './database.js';
import { MIGRATIONS_DIR, migrateToLatest } from './migrate.js';
import { currentManifest, DEFAULT_IMAGE_DIR, imageKey } from './pglite-image.js';
import type { DB } from './schema.js';

export interface BuiltImage {
  path: string;
  /** False when an image for exactly these migrations was already there. */
  built: boolean;
}

export interface ImageBuildOptions {
  imageDir?: string;
  migrationsDir?: string;
  /**
   * What the first start creates after the migrations, done once here instead: pg-boss's schema
   * and queues (`installJobQueues` from jobs/runner.ts; db/ does not import jobs/, so the caller
   * passes it). The manifest names the pg-boss version it was made with.
   */
  prepare: (db: Kysely<DB>) => Promise<void>;
}

/**
 * Builds the migrated PGlite data folder that fresh starts copy (see pglite-image.ts): a new
 * cluster opened exactly as the app opens one, every migration applied, `prepare` run, closed
 * cleanly. Built in a dot-folder and renamed into place, so readers never see half an image.
 */
export async function buildPgliteImage({ imageDir = DEFAULT_IMAGE_DIR, migrationsDir = MIGRATIONS_DIR, prepare }: ImageBuildOptions): Promise<BuiltImage> {
  const manifest = currentManifest(migrationsDir);
  const path = join(imageDir, imageKey(manifest));
  if (existsSync(join(path, 'manifest.json'))) return { path, built: false };
  mkdirSync(imageDir, { recursive: true });
  const work = join(imageDir, `.build-${process.pid}-${Date.now()}`);
  try {
    const database = await openEmbedded({ dataDir: work });
    try {
      await migrateToLatest(database.db, migrationsDir);
      await prepare(database.db);
    } finally {
      await database.close();
    }
    // Written last: a folder without it is never picked.
    writeFileSync(join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(path)) return { path, built: false }; // another install built it meanwhile
    renameSync(work, path);
    return { path, built: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
