import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { listAppliedMigrationNames, listMigrationNames, migrateToLatest, migrationStatus } from '../../src/db/migrate.js';
import { ENGINES, openTestDatabase, type TestDatabase } from '../support/databases.js';

describe.each(ENGINES)('migrations [%s]', (engine) => {
  let database: TestDatabase | undefined;
  const dirs: string[] = [];
  /** A folder of migrations of the test's own, removed after the test. */
  const migrationsDir = async () => {
    const dir = await mkdtemp(`${tmpdir()}/mtm-migrations-`);
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    await database?.close();
    database = undefined;
  });

  it('apply once, then report nothing to apply', async () => {
    database = await openTestDatabase(engine, { migrated: false });
    const shipped = await listMigrationNames();
    expect(shipped[0]).toBe('0001_init');
    expect(await listAppliedMigrationNames(database.db)).toEqual([]);
    expect((await migrationStatus(database.db)).every((m) => m.executedAt === null)).toBe(true);

    const first = await migrateToLatest(database.db);
    expect(first.applied).toEqual(shipped);
    const second = await migrateToLatest(database.db);
    expect(second.applied).toEqual([]);
    expect(second.state.map((m) => m.name)).toEqual(shipped);
    expect(second.state.every((m) => m.executedAt instanceof Date)).toBe(true);
    expect(await listAppliedMigrationNames(database.db)).toEqual(shipped);
    // Nothing to apply is read from the record alone: the same state the Migrator reports.
    expect(second.state).toEqual(await migrationStatus(database.db));
  });

  it('refuses a database that records a migration this code does not ship, and changes nothing', async () => {
    database = await openTestDatabase(engine, { migrated: false });
    const dir = await migrationsDir();
    await writeFile(`${dir}/0001_ok.sql`, 'CREATE TABLE first_table (id int);');
    await migrateToLatest(database.db, dir);
    // Newer code ran 0002 here; this code ships 0001 and a different 0002.
    await sql`insert into kysely_migration (name, timestamp) values ('0002_newer', ${new Date().toISOString()})`.execute(database.db);
    await writeFile(`${dir}/0002_other.sql`, 'CREATE TABLE second_table (id int);');
    await expect(migrateToLatest(database.db, dir)).rejects.toThrow(/0002_newer/);
    expect(await listAppliedMigrationNames(database.db)).toEqual(['0001_ok', '0002_newer']);
    const tables = await sql`select 1 from information_schema.tables where table_name = 'second_table'`.execute(database.db);
    expect(tables.rows).toEqual([]);
  });

  it('two instances starting at once apply each migration exactly once', async () => {
    database = await openTestDatabase(engine, { migrated: false });
    // On PostgreSQL a second, separate pool, as a second app instance would have.
    const other =
      engine === 'postgres'
        ? await openDatabase({ kind: 'postgres', url: database.location, poolMin: 0, poolMax: 2, statementTimeoutMs: 0 })
        : undefined;
    try {
      const [a, b] = await Promise.all([migrateToLatest(database.db), migrateToLatest((other ?? database).db)]);
      expect([...a.applied, ...b.applied].sort()).toEqual(await listMigrationNames());
      const rows = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(database.db);
      expect(rows.rows[0]?.n).toBe((await listMigrationNames()).length);
    } finally {
      await other?.close();
    }
  });

  it('applies pending migrations all-or-nothing: one failure rolls back the whole batch', async () => {
    database = await openTestDatabase(engine, { migrated: false });
    const dir = await migrationsDir();
    await writeFile(`${dir}/0001_ok.sql`, 'CREATE TABLE first_table (id int);');
    await writeFile(`${dir}/0002_broken.sql`, 'CREATE TABLE second_table (id int);\nSELECT no_such_function();');
    await expect(migrateToLatest(database.db, dir)).rejects.toThrow(/^Migration 0002_broken failed: function no_such_function\(\) does not exist/);
    const tables = await sql<{ name: string }>`
      select table_name as name from information_schema.tables
      where table_schema = 'public' and table_name in ('first_table', 'second_table') order by 1`.execute(database.db);
    // Kysely runs the pending batch in one transaction: a deploy never lands half a schema.
    expect(tables.rows).toEqual([]);
    expect(await listAppliedMigrationNames(database.db)).toEqual([]);
  });
});
