import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrationNames } from '../../src/db/migrate.js';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';
import { freePort } from '../support/processes.js';

const run = promisify(execFile);
const MTM = new URL('../../bin/mtm.js', import.meta.url).pathname;

/** Runs the real `mtm` binary with only the given environment (plus PATH). */
async function mtm(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [MTM, ...args], { env: { PATH: process.env.PATH!, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each case spawns the real CLI several times (a fresh Node + tsx + PGlite each): allow for a busy machine.
describe('mtm db', { timeout: 120_000 }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  // PostgreSQL leg: declared only when TEST_DATABASE_URL is set (always in CI).
  const itOnPostgres = process.env.TEST_DATABASE_URL ? it : () => undefined;
  itOnPostgres('migrate creates the schema on PostgreSQL once; a rerun changes nothing', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'cli');
    cleanups.push(() => dropDatabase(base, name));
    const env = { DATABASE_URL: databaseUrl(base, name) };
    const shipped = await listMigrationNames();

    const first = await mtm(['db', 'migrate', '--json'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ applied: shipped });
    expect(JSON.parse(first.stdout).database).not.toContain('password');

    const second = await mtm(['db', 'migrate'], env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toContain('nothing to apply: the schema is up to date');

    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const types = await client.query(
        `select table_name, column_name, data_type from information_schema.columns
         where (table_name, column_name) in (('tracks', 'raw_json'), ('snapshots', 'snapshot_date')) order by 1`,
      );
      expect(types.rows).toEqual([
        { table_name: 'snapshots', column_name: 'snapshot_date', data_type: 'date' },
        { table_name: 'tracks', column_name: 'raw_json', data_type: 'jsonb' },
      ]);
    } finally {
      await client.end();
    }

    const status = await mtm(['db', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`applied  ${shipped[0]}  \\d{4}-\\d{2}-\\d{2}T`));
    expect(status.stdout.trim().endsWith('up to date')).toBe(true);
  });

  itOnPostgres('in production the database commands need only the database settings (no secret, no Spotify app)', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'deploy_cli');
    cleanups.push(() => dropDatabase(base, name));
    const env = { NODE_ENV: 'production', DATABASE_URL: databaseUrl(base, name) };
    const pending = await mtm(['db', 'status'], env);
    expect(pending.code).toBe(1);
    expect(pending.stdout.split('\n')[0]).toBe(`database: ${databaseUrl(base, name)}`);
    expect(await mtm(['db', 'migrate', '--json'], env)).toMatchObject({ code: 0, stderr: '' });
    expect(await mtm(['db', 'status'], env)).toMatchObject({ code: 0, stderr: '' });
  });

  it('status exits 2 when the database cannot be reached or is not configured, 1 when migrations are pending', async () => {
    const port = await freePort();
    const env = { DATABASE_URL: `postgres://mtm@127.0.0.1:${port}/nowhere` };
    const down = await mtm(['db', 'status', '--json'], env);
    expect(down.code).toBe(2);
    expect(JSON.parse(down.stdout)).toEqual({ database: env.DATABASE_URL, reachable: false, error: `connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(await mtm(['db', 'status'], env)).toEqual({
      code: 2,
      stdout: `database: ${env.DATABASE_URL}\n`,
      stderr: `mtm db: cannot read the migration state: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    });
    const unconfigured = await mtm(['db', 'status'], { NODE_ENV: 'production' });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toMatch(/^mtm db: cannot read the migration state: Configuration is not valid:\n {2}- DATABASE_URL: is not set, and production does not fall back/);
    // A laptop's `mtm db migrate` in production must not quietly create ./data either.
    const migrate = await mtm(['db', 'migrate'], { NODE_ENV: 'production' });
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/^mtm db: Configuration is not valid:\n {2}- DATABASE_URL: is not set/);
  });

  it('status on a new embedded database lists pending migrations and exits 1; migrate fixes it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mtm-cli-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const shipped = await listMigrationNames();
    const before = await mtm(['db', 'status', '--json'], { DATA_DIR: dataDir });
    expect(before.code).toBe(1);
    expect(JSON.parse(before.stdout)).toEqual({
      database: dataDir,
      migrations: shipped.map((name) => ({ name, executedAt: null })),
      pending: shipped.length,
    });
    expect((await mtm(['db', 'migrate'], { DATA_DIR: dataDir })).code).toBe(0);
    const after = await mtm(['db', 'status', '--json'], { DATA_DIR: dataDir });
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).pending).toBe(0);
  });

  it('answers mistakes with one readable line and a non-zero exit', async () => {
    expect(await mtm(['db'], {})).toEqual({
      code: 2,
      stdout: '',
      stderr: 'mtm db: say which: mtm db migrate, or mtm db status. Run `mtm db --help`.\n',
    });
    expect(await mtm(['db', 'migrate', '--frobnicate'], {})).toEqual({
      code: 2,
      stdout: '',
      stderr: "mtm db: Unknown option '--frobnicate'. Run `mtm db --help`.\n",
    });
    expect(await mtm(['dance'], {})).toEqual({ code: 2, stdout: '', stderr: 'mtm: unknown command "dance". Run `mtm --help` for the list.\n' });
    const badUrl = await mtm(['db', 'migrate'], { DATABASE_URL: 'mysql://nope' });
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toBe(
      'mtm db: Configuration is not valid:\n' +
        '  - DATABASE_URL: is not a PostgreSQL URL. Expected postgres://USER:PASSWORD@HOST:PORT/DBNAME (Railway: the Postgres service\'s "DATABASE_URL" variable reference).\n',
    );
    // Node 20 itself reads `--env-file` anywhere on the command line and stops first with its own
    // one-line message (exit 9); newer Node leaves it to us (exit 1). Either way: one line, non-zero.
    const missingEnvFile = await mtm(['db', 'status', '--env-file', '/nonexistent/.env.production'], {});
    expect([1, 9]).toContain(missingEnvFile.code);
    expect(missingEnvFile.stderr.trim().split('\n')[0]).toMatch(/\/nonexistent\/\.env\.production/);
    expect(missingEnvFile.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints help for every command', async () => {
    const help = await mtm(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: mtm <command> [options]');
    for (const command of ['serve', 'db', 'secret', 'preflight', 'smoke']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    const dbHelp = await mtm(['db', '--help'], {});
    expect(dbHelp).toMatchObject({ code: 0 });
    expect(dbHelp.stdout).toMatch(/^mtm db <migrate\|status>/);
    const secret = await mtm(['secret', '--json'], {});
    expect(Buffer.from(JSON.parse(secret.stdout).SESSION_SECRET, 'base64url')).toHaveLength(48);
  });
});
