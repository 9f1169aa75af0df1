import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { listMigrationNames, migrateToLatest } from '../../src/db/migrate.js';
import type { PreflightReport } from '../../src/services/preflight.js';
import { cleanTrack, writeLegacyFile } from '../support/legacy-fixture.js';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';
import { freePort } from '../support/processes.js';
import { runMtm } from '../support/cli.js';

async function preflight(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; report: PreflightReport }> {
  const { code, out, err } = await runMtm(['preflight', '--json', ...argv], env);
  expect(err).toEqual([]);
  return { code, report: JSON.parse(out.join('\n')) as PreflightReport };
}

/** id -> status, in the order the checks ran. */
const statuses = (report: PreflightReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
const failing = (report: PreflightReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
const check = (report: PreflightReport, id: string) => report.checks.find((c) => c.id === id)!;

const GOOD = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'k3H9vQ2mX7pL4sN8wR1tY6uB0cF5gJ2e-preflight-test',
  FLASK_SECRET_KEY: undefined,
  SPOTIPY_CLIENT_ID: 'tutorial-client-id',
  SPOTIPY_CLIENT_SECRET: 'tutorial-client-secret',
  SPOTIPY_REDIRECT_URI: 'https://mtm.example.com/callback',
  APP_URL: 'https://mtm.example.com',
};

async function migratedDatabase(base: string, label: string): Promise<string> {
  const name = await createDatabase(base, label);
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(base, name), poolMin: 0, poolMax: 2, statementTimeoutMs: 0 });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return name;
}

async function sqlOn(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

describe('mtm preflight without a database server', () => {
  it('refuses unclear flags', async () => {
    expect(await runMtm(['preflight', '--sqlite', 'music_time_machine.db'], GOOD)).toEqual({
      code: 2,
      out: [],
      err: ['mtm preflight: --sqlite FILE needs --owner SPOTIFY_USER_ID (the archive it was imported into). Run `mtm preflight --help`.'],
    });
    expect(await runMtm(['preflight', '--instances', '0'], GOOD)).toEqual({
      code: 2,
      out: [],
      err: ['mtm preflight: --instances must be a whole number from 1 to 1000, got "0". Run `mtm preflight --help`.'],
    });
  });

  it('no database configured: the database line fails, naming the variables', async () => {
    const { code, report } = await preflight([], GOOD);
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['database']);
    expect(check(report, 'database').detail).toMatch(/^DATABASE_URL: is not set, and production does not fall back to the embedded database/);
    expect(report.database).toBeNull();
    // The checks that need no database still ran; a rollback file was not named.
    expect(statuses(report)).toEqual({ node_env: 'pass', variables: 'pass', secret: 'pass', redirect_uri: 'pass', database: 'fail', rollback: 'warn' });
  });
});

// Preflight judges a PostgreSQL deploy: declared when TEST_DATABASE_URL is set (always in CI).
const describeOnPostgres = process.env.TEST_DATABASE_URL ? describe : () => undefined;

describeOnPostgres('mtm preflight', { timeout: 120_000 }, () => {
  const base = process.env.TEST_DATABASE_URL!;
  let dir: string;
  let good: NodeJS.ProcessEnv;
  let legacyFile: string;
  let dirtyFile: string;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtm-preflight-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const name = await migratedDatabase(base, 'deploy_pf');
    cleanups.push(() => dropDatabase(base, name));
    good = { ...GOOD, DATABASE_URL: databaseUrl(base, name) };
    // The tutorial's file, imported as the operator would before the switch.
    legacyFile = join(dir, 'music_time_machine.db');
    writeLegacyFile(legacyFile, {
      tracks: [cleanTrack('p1'), cleanTrack('p2'), cleanTrack('p3')],
      snapshots: [
        ['p1', '2025-01-01', 'short_term', 1],
        ['p2', '2025-01-01', 'short_term', 2],
        ['p3', '2025-01-02', 'long_term', 1],
      ],
    });
    expect((await runMtm(['import-sqlite', legacyFile, '--owner', 'pia'], good)).code).toBe(0);
    // A file with one row the import rejects (rank 0), imported for another owner.
    dirtyFile = join(dir, 'dirty.db');
    writeLegacyFile(dirtyFile, {
      tracks: [cleanTrack('d1')],
      snapshots: [
        ['d1', '2025-02-01', 'short_term', 1],
        ['d1', '2025-02-02', 'short_term', 0],
      ],
    });
    expect((await runMtm(['import-sqlite', dirtyFile, '--owner', 'dora'], good)).code).toBe(0);
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('passes every check for a good setup, and prints a checklist', async () => {
    const { code, report } = await preflight(['--sqlite', legacyFile, '--owner', 'pia', '--instances', '3'], good);
    expect(code).toBe(0);
    expect(statuses(report)).toEqual({
      node_env: 'pass',
      variables: 'pass',
      secret: 'pass',
      redirect_uri: 'pass',
      database: 'pass',
      schema: 'pass',
      tables: 'pass',
      pool: 'pass',
      legacy_rows: 'pass',
      rollback: 'pass',
    });
    expect(report.ok).toBe(true);
    expect(report.database).toBe(good.DATABASE_URL);
    expect(check(report, 'legacy_rows').detail).toBe(`tracks 3 of 3, snapshots 3 of 3: every row of ${legacyFile} is in pia's archive`);
    expect(check(report, 'pool').detail).toMatch(/^3 instance\(s\) x \(DB_POOL_MAX 10 \+ 4 for the job queue\) = 42 connections; the server allows \d+ \(max_connections\)/);

    const text = await runMtm(['preflight', '--sqlite', legacyFile, '--owner', 'pia'], good);
    expect(text.code).toBe(0);
    expect(text.out[0]).toBe(`preflight: database ${good.DATABASE_URL}`);
    expect(text.out).toContain('✓ NODE_ENV: production');
    expect(text.out).toContain('✓ Spotify redirect URI: https://mtm.example.com/callback: HTTPS, on APP_URL\'s host, ends in /callback (register exactly this in the Spotify dashboard)');
    expect(text.out.at(-1)).toBe('10 ✓, 0 ⚠, 0 ✗: ready to deploy');
  });

  it('NODE_ENV not production: its own ✗', async () => {
    const { code, report } = await preflight([], { ...good, NODE_ENV: 'development' });
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['node_env']);
    expect(check(report, 'node_env')).toMatchObject({ detail: 'is "development", not production' });
  });

  it('a missing variable: the variables line names it', async () => {
    const { code, report } = await preflight([], { ...good, SPOTIPY_CLIENT_ID: undefined });
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['variables']);
    expect(check(report, 'variables').detail).toMatch(/^SPOTIFY_CLIENT_ID: is required when SPOTIFY_REDIRECT_URI is set\./);
    const noAppUrl = await preflight([], { ...good, APP_URL: undefined });
    expect(failing(noAppUrl.report)).toEqual(['variables', 'redirect_uri']);
    expect(check(noAppUrl.report, 'variables').detail).toMatch(/^APP_URL: is not set/);
  });

  it('a weak session secret, under its tutorial name too', async () => {
    const { code, report } = await preflight([], { ...good, SESSION_SECRET: undefined, FLASK_SECRET_KEY: 'dev' });
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['secret']);
    expect(check(report, 'secret').detail).toMatch(/^FLASK_SECRET_KEY: is a well-known development value/);
  });

  it('a redirect URI on another host, on the wrong path, or not HTTPS', async () => {
    const otherHost = await preflight([], { ...good, SPOTIPY_REDIRECT_URI: 'https://old.example.com/callback' });
    expect(otherHost.code).toBe(1);
    expect(failing(otherHost.report)).toEqual(['redirect_uri']);
    expect(check(otherHost.report, 'redirect_uri').detail).toBe(
      'SPOTIPY_REDIRECT_URI: "https://old.example.com/callback" is on old.example.com but APP_URL is on mtm.example.com; use https://mtm.example.com/callback (and register exactly that in your Spotify app).',
    );
    const wrongPath = await preflight([], { ...good, SPOTIPY_REDIRECT_URI: 'https://mtm.example.com/oauth/return' });
    expect(failing(wrongPath.report)).toEqual(['redirect_uri']);
    const loopback = await preflight([], { ...good, APP_URL: 'http://127.0.0.1:3000', SPOTIPY_REDIRECT_URI: 'http://127.0.0.1:3000/callback' });
    expect(failing(loopback.report)).toEqual(['redirect_uri']);
    expect(check(loopback.report, 'redirect_uri')).toMatchObject({
      detail: '"http://127.0.0.1:3000/callback" is not HTTPS (loopback HTTP works only on your own machine)',
      fix: 'Use http://127.0.0.1:3000/callback, and register exactly that in the Spotify dashboard.',
    });
  });

  it('the embedded database, or an unreachable one', async () => {
    const embedded = await preflight([], { ...good, DATABASE_URL: undefined, EMBEDDED_IN_PRODUCTION: 'true', DATA_DIR: join(dir, 'data') });
    expect(failing(embedded.report)).toEqual(['database']);
    expect(check(embedded.report, 'database').detail).toMatch(/^the embedded database in .*\/data \(EMBEDDED_IN_PRODUCTION=true\): one process only/);

    const port = await freePort();
    const down = await preflight([], { ...good, DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/gone` });
    expect(failing(down.report)).toEqual(['database']);
    expect(check(down.report, 'database').detail).toBe(
      `cannot reach PostgreSQL at postgres://postgres:***@127.0.0.1:${port}/gone: connect ECONNREFUSED 127.0.0.1:${port} (schema, tables and pool not checked)`,
    );
    expect(JSON.stringify(down.report)).not.toContain('hunter2');
  });

  it('pending migrations', async () => {
    const name = await createDatabase(base, 'deploy_pf_empty');
    cleanups.push(() => dropDatabase(base, name));
    const { code, report } = await preflight([], { ...good, DATABASE_URL: databaseUrl(base, name) });
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['schema']);
    const shipped = await listMigrationNames();
    expect(check(report, 'schema')).toMatchObject({ detail: `${shipped.length} migration(s) pending: ${shipped.join(', ')}`, fix: 'Run `npx mtm db migrate` (Railway runs it as the pre-deploy command).' });
  });

  it('a missing index, then rows missing from the legacy file', async () => {
    const name = await migratedDatabase(base, 'deploy_pf_broken');
    cleanups.push(() => dropDatabase(base, name));
    const env = { ...good, DATABASE_URL: databaseUrl(base, name) };
    expect((await runMtm(['import-sqlite', legacyFile, '--owner', 'pia'], env)).code).toBe(0);

    await sqlOn(env.DATABASE_URL, 'drop index archive_tracks_search_keys_idx');
    const noIndex = await preflight([], env);
    expect(noIndex.code).toBe(1);
    expect(failing(noIndex.report)).toEqual(['tables']);
    expect(check(noIndex.report, 'tables').detail).toBe('missing or invalid indexes: archive_tracks_search_keys_idx');
    await sqlOn(env.DATABASE_URL, 'create index archive_tracks_search_keys_idx on archive_tracks using gin (search_keys) with (fastupdate = off)');

    await sqlOn(env.DATABASE_URL, "delete from snapshots where track_id = 'p3'");
    const rowsGone = await preflight(['--sqlite', legacyFile, '--owner', 'pia'], env);
    expect(rowsGone.code).toBe(1);
    expect(failing(rowsGone.report)).toEqual(['legacy_rows']);
    expect(check(rowsGone.report, 'legacy_rows').detail).toMatch(/^tracks 3 of 3, snapshots 2 of 3; snapshots: counts: source 3 - rejected 0 = 3 expected; 2 in the database/);
  });

  it('more instances than the server has connections for', async () => {
    const { code, report } = await preflight(['--instances', '50'], good);
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['pool']);
    expect(check(report, 'pool').detail).toMatch(/^50 instance\(s\) x \(DB_POOL_MAX 10 \+ 4 for the job queue\) = 700 connections/);
  });

  it('rejected rows are a warning with their count and rejects file, a failure with --strict', async () => {
    const rejects = join(dir, 'rejects.jsonl');
    const lenient = await preflight(['--sqlite', dirtyFile, '--owner', 'dora', '--rejects', rejects], good);
    expect(lenient.code).toBe(0);
    expect(failing(lenient.report)).toEqual([]);
    expect(check(lenient.report, 'legacy_rows')).toMatchObject({
      status: 'warn',
      detail: `tracks 1 of 1, snapshots 1 of 2; 1 row(s) of the file were rejected by the import (tracks 0, snapshots 1), listed in ${rejects}`,
    });
    const strict = await preflight(['--sqlite', dirtyFile, '--owner', 'dora', '--rejects', rejects, '--strict'], good);
    expect(strict.code).toBe(1);
    expect(failing(strict.report)).toEqual(['legacy_rows']);
  });

  it('a rollback file that is not there', async () => {
    const missing = join(dir, 'rollback.db');
    const { code, report } = await preflight(['--rollback', missing], good);
    expect(code).toBe(1);
    expect(failing(report)).toEqual(['rollback']);
    expect(check(report, 'rollback').detail).toMatch(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    // Without one named it is only a warning.
    const unnamed = await preflight([], good);
    expect(unnamed.code).toBe(0);
    expect(check(unnamed.report, 'rollback').status).toBe('warn');
  });
});
