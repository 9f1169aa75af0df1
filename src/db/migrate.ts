/* eslint-disable @typescript-eslint/no-explicit-any -- the Migrator runs before and outside the typed schema */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Migration, MigrationProvider } from 'kysely';
import { Migrator, sql, type Kysely } from './kysely.js';

/** The forward-only migrations: plain SQL files, numbered, in /migrations at the project root. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Reads migrations/NNNN_name.sql files; each runs as one transaction (Kysely's Migrator). */
class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const migrations: Record<string, Migration> = {};
    for (const name of await listMigrationNames(this.dir)) {
      const text = await readFile(`${this.dir}/${name}.sql`, 'utf8');
      migrations[name] = {
        // No parameters: sent over the simple query protocol, which runs several statements.
        up: async (db) => {
          await sql.raw(text).execute(db);
        },
      };
    }
    return migrations;
  }
}

function migrator(db: Kysely<any>, dir = MIGRATIONS_DIR): Migrator {
  // Kysely takes a PostgreSQL advisory lock around the run, so two instances starting at once
  // apply each migration exactly once.
  return new Migrator({ db, provider: new SqlFileMigrationProvider(dir) });
}

export interface MigrationState {
  name: string;
  /** When it was applied; null while pending. */
  executedAt: Date | null;
}

export interface MigrateResult {
  applied: string[];
  state: MigrationState[];
}

export async function migrateToLatest(db: Kysely<any>, dir?: string): Promise<MigrateResult> {
  // Every start but the first after an upgrade finds nothing to apply. Reading the record says so
  // in two small queries, where the Migrator first checks its tables through the catalogue and
  // takes its lock: ~0.3 s on the embedded database's first queries, on the way to the first page.
  const upToDate = await upToDateState(db, dir);
  if (upToDate) return { applied: [], state: upToDate };
  const m = migrator(db, dir);
  const { error, results } = await m.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`Migration ${failed ?? ''} failed: ${(error as Error).message}`.replace('  ', ' '), {
      cause: error,
    });
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    state: await migrationStatus(db, dir),
  };
}

export async function migrationStatus(db: Kysely<any>, dir?: string): Promise<MigrationState[]> {
  const list = await migrator(db, dir).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}

/** Names of the migrations this code ships, from the files (no database needed). */
export async function listMigrationNames(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

/** Names recorded as applied in the database (none when it was never migrated). */
export async function listAppliedMigrationNames(db: Kysely<any>): Promise<string[]> {
  return (await appliedMigrations(db)).map((m) => m.name);
}

/** The migrations recorded as applied, in order, read as the Migrator records them. */
async function appliedMigrations(db: Kysely<any>): Promise<Array<{ name: string; executedAt: Date }>> {
  const exists = await sql<{ found: boolean }>`select to_regclass('public.kysely_migration') is not null as found`.execute(db);
  if (!exists.rows[0]?.found) return [];
  const rows = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => ({ name: r.name, executedAt: new Date(r.timestamp) }));
}

/**
 * The state when exactly the shipped migrations are recorded, in order; otherwise undefined,
 * and the Migrator decides (it applies what is pending, and refuses a record it does not ship).
 */
async function upToDateState(db: Kysely<any>, dir?: string): Promise<MigrationState[] | undefined> {
  const [shipped, applied] = await Promise.all([listMigrationNames(dir), appliedMigrations(db)]);
  if (applied.length !== shipped.length || applied.some((m, i) => m.name !== shipped[i])) return undefined;
  return applied;
}
