import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS_DIR } from './migrate.js';

/**
 * A pre-initialised, already-migrated PGlite data folder that a fresh DATA_DIR starts from.
 *
 * A new PGlite cluster costs seconds (initdb in WebAssembly, then every migration); copying a
 * folder that was initialised and migrated once costs milliseconds. The image is built by
 * `npm install` (the postinstall script, scripts/build-pglite-image.ts) into node_modules/.cache,
 * never committed: it is ~30 MB of files that would change with every migration.
 *
 * The image also holds pg-boss's schema and the app's queues (the build's `prepare` step), which
 * the first start would otherwise create: pg-boss then finds its schema at the version it expects
 * and changes nothing.
 *
 * An image is used only when its manifest proves it is what a fresh start would have built: the
 * same PGlite and pg-boss versions, and migrations that are a prefix of the shipped ones, file
 * contents equal (sha256). Newer migrations are then applied by the usual migrator on start.
 * Anything else (no image, another PGlite or pg-boss, an edited migration) falls back to a new
 * cluster, as before.
 */
export const DEFAULT_IMAGE_DIR = fileURLToPath(new URL('../../node_modules/.cache/music-time-machine/pglite-images/', import.meta.url));

export interface ImageManifest {
  /** 2: the image holds pg-boss's schema and queues (1, before: migrations only). */
  format: 2;
  pglite: string;
  /** The pg-boss whose schema the image holds (a pg-boss upgrade builds a new image). */
  pgBoss: string;
  migrations: Array<{ name: string; sha256: string }>;
}

export function pgliteVersion(): string {
  // The package's exports hide package.json; its entry point sits in dist/.
  return packageVersion('@electric-sql/pglite');
}

/** pg-boss's entry point sits in src/. */
export function pgBossVersion(): string {
  return packageVersion('pg-boss');
}

function packageVersion(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const packageJson = join(dirname(dirname(entry)), 'package.json');
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The manifest a fresh migration of `migrationsDir` would carry. */
export function currentManifest(migrationsDir = MIGRATIONS_DIR): ImageManifest {
  const names = readdirSync(migrationsDir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  return {
    format: 2,
    pglite: pgliteVersion(),
    pgBoss: pgBossVersion(),
    migrations: names.map((file) => ({
      name: file.replace(/\.sql$/, ''),
      sha256: createHash('sha256').update(readFileSync(join(migrationsDir, file))).digest('hex'),
    })),
  };
}

/** A stable folder name for a manifest: images for different migration sets live side by side. */
export function imageKey(manifest: ImageManifest): string {
  return createHash('sha256').update(JSON.stringify(manifest)).digest('hex').slice(0, 16);
}

/** True when an image built for `image` may stand in for a fresh start under `current`. */
export function isUsableImage(image: ImageManifest, current: ImageManifest): boolean {
  if (image.format !== 2 || image.pglite !== current.pglite || image.pgBoss !== current.pgBoss) return false;
  if (image.migrations.length === 0 || image.migrations.length > current.migrations.length) return false;
  return image.migrations.every((m, i) => m.name === current.migrations[i]!.name && m.sha256 === current.migrations[i]!.sha256);
}

/** The usable image with the most migrations already applied, or undefined. */
export function findImage(imageDir: string, current: ImageManifest): string | undefined {
  let best: { path: string; migrations: number } | undefined;
  let entries: string[];
  try {
    entries = readdirSync(imageDir);
  } catch {
    return undefined; // No cache folder: install scripts did not run (e.g. --ignore-scripts).
  }
  for (const entry of entries) {
    if (entry.startsWith('.')) continue; // a build in progress
    const path = join(imageDir, entry);
    let manifest: ImageManifest;
    try {
      manifest = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as ImageManifest;
    } catch {
      continue;
    }
    if (!existsSync(join(path, 'pgdata', 'PG_VERSION')) || !isUsableImage(manifest, current)) continue;
    if (!best || manifest.migrations.length > best.migrations) best = { path, migrations: manifest.migrations.length };
  }
  return best?.path;
}

/**
 * The image cluster (its pgdata folder) that a data folder with no cluster yet (`pgdataDir`
 * missing) starts from, or undefined when the folder has a cluster or no image fits. Removes the
 * side folders of a copy a killed start left half-done (see pglite-image-copy.js, which the
 * embedded database's worker copies with). The caller holds the data-folder lock.
 */
export function imageToSeed(pgdataDir: string, imageDir = DEFAULT_IMAGE_DIR, migrationsDir = MIGRATIONS_DIR): string | undefined {
  const parent = dirname(pgdataDir);
  const sidePrefix = `${pgdataDir.slice(parent.length + 1)}.seeding-`;
  for (const entry of existsSync(parent) ? readdirSync(parent) : []) {
    if (entry.startsWith(sidePrefix)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
  if (existsSync(pgdataDir)) return undefined;
  const image = findImage(imageDir, currentManifest(migrationsDir));
  return image && join(image, 'pgdata');
}
