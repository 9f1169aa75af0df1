import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded } from '../../src/db/database.js';
import { listAppliedMigrationNames, listMigrationNames, migrateToLatest, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { currentManifest, isUsableImage } from '../../src/db/pglite-image.js';
import { buildPgliteImage } from '../../src/db/pglite-image-build.js';
import { startFakeSpotify } from '../../src/fake-spotify/index.js';
import { installJobQueues, QUEUES } from '../../src/jobs/runner.js';
import { connectUser, startJobInstance, waitFor } from '../support/capture-world.js';
import { settableClock } from '../support/clock.js';
import { openTestDatabase } from '../support/databases.js';

/** Everything a migration can create in public, plus the recorded migrations, as comparable rows. */
async function schemaOf(db: Kysely<DB>) {
  const columns = await sql`
    select table_name, column_name, data_type, collation_name, is_nullable, column_default, generation_expression
    from information_schema.columns where table_schema = 'public' order by table_name, ordinal_position`.execute(db);
  const constraints = await sql`
    select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as definition
    from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`.execute(db);
  const indexes = await sql`select indexdef from pg_indexes where schemaname = 'public' order by tablename, indexname`.execute(db);
  const functions = await sql`
    select proname, pg_get_function_identity_arguments(oid) as args from pg_proc
    where pronamespace = 'public'::regnamespace order by 1, 2`.execute(db);
  const extensions = await sql`select extname from pg_extension order by 1`.execute(db);
  return { columns: columns.rows, constraints: constraints.rows, indexes: indexes.rows, functions: functions.rows, extensions: extensions.rows };
}

/** The schema version pg-boss's code expects (what its own start-up check compares with). */
const PG_BOSS_SCHEMA_VERSION = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('pg-boss/version.json'), 'utf8')) as { schema: number }).schema;

/** pg-boss's tables, indexes, recorded version and queues, as comparable rows (no timestamps). */
async function jobSchemaOf(db: Kysely<DB>) {
  const columns = await sql`
    select table_name, column_name, data_type, is_nullable, column_default
    from information_schema.columns where table_schema = 'pgboss' order by table_name, ordinal_position`.execute(db);
  const indexes = await sql`select tablename, indexdef from pg_indexes where schemaname = 'pgboss' order by tablename, indexname`.execute(db);
  const version = await sql`select version from pgboss.version`.execute(db);
  const queues = await sql<{ name: string }>`
    select name, policy, retry_limit, retry_delay, expire_seconds, partition_name from pgboss.queue order by name`.execute(db);
  return { columns: columns.rows, indexes: indexes.rows, version: version.rows, queues: queues.rows };
}

describe('embedded start from the migrated image', () => {
  const root = mkdtempSync(join(tmpdir(), 'mtm-image-'));
  const imageDir = join(root, 'images');
  const shipped = join(root, 'migrations');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    cpSync(MIGRATIONS_DIR, shipped, { recursive: true });
    const build = { imageDir, migrationsDir: shipped, prepare: installJobQueues };
    const first = await buildPgliteImage(build);
    expect(first.built).toBe(true);
    // Building again for the same migrations reuses it.
    expect(await buildPgliteImage(build)).toEqual({ path: first.path, built: false });
    expect(readdirSync(imageDir)).toEqual([first.path.split('/').at(-1)]);
  }, 120_000);

  const folder = (name: string) => join(root, name);

  it('a fresh folder starts with every migration applied and the same schema as a fresh migration', async () => {
    const database = await openEmbedded({ dataDir: folder('fresh'), startFromImage: { imageDir, migrationsDir: shipped } });
    const reference = await openTestDatabase('pglite'); // a new cluster, migrated from scratch
    try {
      expect(await listAppliedMigrationNames(database.db)).toEqual(await listMigrationNames());
      expect((await migrateToLatest(database.db, shipped)).applied).toEqual([]);
      expect(await schemaOf(database.db)).toEqual(await schemaOf(reference.db));
      // Still locked to this process.
      expect(existsSync(join(folder('fresh'), 'mtm.lock'))).toBe(true);
      await expect(openEmbedded({ dataDir: folder('fresh'), startFromImage: { imageDir, migrationsDir: shipped } })).rejects.toThrow(/already open in this process/);
    } finally {
      await reference.close();
      await database.close();
    }
  }, 60_000);

  it("a fresh folder has pg-boss's schema at the version pg-boss expects and the app's queues; jobs start and run on it", async () => {
    const database = await openEmbedded({ dataDir: folder('jobs'), startFromImage: { imageDir, migrationsDir: shipped } });
    const clock = settableClock('2026-07-01T04:00:00Z');
    const fake = await startFakeSpotify({ clock, users: [{ id: 'image-listener', display_name: 'Image Listener' }] });
    try {
      const before = await jobSchemaOf(database.db);
      expect(before.version).toEqual([{ version: PG_BOSS_SCHEMA_VERSION }]);
      // Ours, and the queue pg-boss's cron scheduler sends through (the app always has a SNAPSHOT_CRON).
      expect(before.queues.map((q) => q.name)).toEqual(['__pgboss__send-it', QUEUES.capture, QUEUES.schedule]);

      // The app's own start (pg-boss's version check, the queues, the workers) changes nothing...
      const instance = await startJobInstance(database, fake, clock);
      try {
        expect(await jobSchemaOf(database.db)).toEqual(before);
        // ...and a scheduled capture goes through pg-boss to the snapshot.
        const user = await connectUser(database.db, fake, clock, 'image-listener');
        expect((await instance.runner.runScheduledCaptures()).userIds).toEqual([user.id]);
        await waitFor('the capture', async () => {
          const status = await sql<{ day: string | null }>`select last_success_date as day from capture_status where user_id = ${user.id}`.execute(database.db);
          return status.rows[0]?.day === '2026-07-01';
        });
      } finally {
        await instance.stop();
      }
    } finally {
      await fake.stop();
      await database.close();
    }
  }, 60_000);

  it("without an image, a new cluster ends with the same pg-boss schema and queues once the jobs start", async () => {
    const fromImage = await openEmbedded({ dataDir: folder('jobs-image'), startFromImage: { imageDir, migrationsDir: shipped } });
    const fresh = await openEmbedded({ dataDir: folder('jobs-fresh'), startFromImage: { imageDir: join(root, 'no-images'), migrationsDir: shipped } });
    const clock = settableClock('2026-07-01T04:00:00Z');
    const fake = await startFakeSpotify({ clock, users: [] });
    try {
      expect((await sql`select to_regclass('pgboss.version') as found`.execute(fresh.db)).rows).toEqual([{ found: null }]);
      expect((await migrateToLatest(fresh.db, shipped)).applied).toEqual(await listMigrationNames());
      const instance = await startJobInstance(fresh, fake, clock);
      await instance.stop();
      expect(await jobSchemaOf(fresh.db)).toEqual(await jobSchemaOf(fromImage.db));
    } finally {
      await fake.stop();
      await fresh.close();
      await fromImage.close();
    }
  }, 60_000);

  it('applies only the migrations newer than the image', async () => {
    const newer = join(root, 'migrations-newer');
    cpSync(shipped, newer, { recursive: true });
    writeFileSync(join(newer, '0999_newer.sql'), 'CREATE TABLE newer_table (id int);');
    const database = await openEmbedded({ dataDir: folder('newer'), startFromImage: { imageDir, migrationsDir: newer } });
    try {
      expect(await listAppliedMigrationNames(database.db)).toEqual(await listMigrationNames());
      expect((await migrateToLatest(database.db, newer)).applied).toEqual(['0999_newer']);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('an image whose migration file was since edited is not used: a new cluster, nothing applied', async () => {
    const edited = join(root, 'migrations-edited');
    cpSync(shipped, edited, { recursive: true });
    appendFileSync(join(edited, '0001_init.sql'), '\n-- edited\n');
    const database = await openEmbedded({ dataDir: folder('edited'), startFromImage: { imageDir, migrationsDir: edited } });
    try {
      expect(await listAppliedMigrationNames(database.db)).toEqual([]);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('a folder that has a cluster keeps it; a copy left half-done by a killed start is removed', async () => {
    const dataDir = folder('existing');
    let database = await openEmbedded({ dataDir, startFromImage: { imageDir, migrationsDir: shipped } });
    await sql`create table kept (id int)`.execute(database.db);
    await sql`insert into kept values (7)`.execute(database.db);
    await database.close();
    mkdirSync(join(dataDir, 'pgdata.seeding-12345'));
    database = await openEmbedded({ dataDir, startFromImage: { imageDir, migrationsDir: shipped } });
    try {
      expect((await sql<{ id: number }>`select id from kept`.execute(database.db)).rows).toEqual([{ id: 7 }]);
      expect(readdirSync(dataDir).sort()).toEqual(['mtm.lock', 'pgdata']);
    } finally {
      await database.close();
    }
  }, 60_000);

  it('an image is usable only for the same PGlite, the same pg-boss and a prefix of the same migration files', () => {
    const current = currentManifest(shipped);
    const [first, ...rest] = current.migrations;
    expect(isUsableImage(current, current)).toBe(true);
    expect(isUsableImage({ ...current, migrations: [first!] }, current)).toBe(true);
    expect(isUsableImage({ ...current, pglite: '0.0.1' }, current)).toBe(false);
    expect(isUsableImage({ ...current, pgBoss: '9.0.0' }, current)).toBe(false);
    // An image of the format before pg-boss's schema was in it.
    expect(isUsableImage({ ...current, format: 1 } as unknown as typeof current, current)).toBe(false);
    expect(isUsableImage({ ...current, migrations: [{ ...first!, sha256: '0'.repeat(64) }, ...rest] }, current)).toBe(false);
    expect(isUsableImage({ ...current, migrations: [...current.migrations, { name: '9999_later', sha256: 'x' }] }, current)).toBe(false);
    expect(isUsableImage({ ...current, migrations: [] }, current)).toBe(false);
  });
});
