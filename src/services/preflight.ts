import { stat } from 'node:fs/promises';
import { loadConfig, loadDatabaseConfig, type Config, type DatabaseConfig, type Env } from '../config.js';
import { openDatabase, redactUrl, type Database } from '../db/database.js';
import { migrationStatus } from '../db/migrate.js';
import type { Clock } from '../lib/clock.js';
import { ConfigError, errorMessage, type ConfigProblem } from '../lib/errors.js';
import { listPublicIndexes, listPublicTables, readConnectionLimits } from '../repositories/server-facts.js';
import { openLegacySource } from './legacy/source.js';
import { verifyLegacyImport } from './legacy/verify.js';

/**
 * The tutorial's pre-deploy checklist as code: each line says what was checked, whether it holds,
 * and how to fix it when it does not. Everything is judged as the production deploy will see it
 * (NODE_ENV=production rules), from the deploy's own variables (`--env-file .env.production`).
 */

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface PreflightCheck {
  id: PreflightCheckId;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warning or a failure. */
  fix?: string;
}

export type PreflightCheckId =
  | 'node_env'
  | 'variables'
  | 'secret'
  | 'redirect_uri'
  | 'database'
  | 'schema'
  | 'tables'
  | 'pool'
  | 'legacy_rows'
  | 'rollback';

export interface PreflightOptions {
  /** The deploy's variables (the env file under the process environment). */
  env: Env;
  /** App instances that will run at once against the database. */
  instances: number;
  /** Warnings count as failures. */
  strict: boolean;
  /** The tutorial's SQLite file that was imported, to compare row counts with. */
  legacy?: { sqlitePath: string; owner: string; rejectsFile?: string };
  /** A previous export (`mtm export-sqlite`) to roll back to; the legacy file serves too. */
  rollbackFile?: string;
  /** Connections pg-boss's pool takes per instance, given SNAPSHOT_CONCURRENCY (jobs/runner.ts). */
  jobsPoolMax: (concurrency: number) => number;
  clock: Clock;
}

export interface PreflightReport {
  ok: boolean;
  /** Where the checked database is (no password), or null when none could be configured. */
  database: string | null;
  checks: PreflightCheck[];
}

/** Every table the migrations create; the app cannot serve without them. */
export const EXPECTED_TABLES = ['archive_tracks', 'archive_versions', 'capture_status', 'import_runs', 'playlists', 'snapshots', 'spotify_access_lapses', 'spotify_tokens', 'tracks', 'user_tracks', 'users'];
/** Every index the migrations create (the queries behind each page rely on them). */
export const EXPECTED_INDEXES = [
  'archive_tracks_pkey',
  'archive_tracks_search_keys_idx',
  'archive_tracks_search_text_trgm_idx',
  'archive_tracks_track_idx',
  'archive_versions_pkey',
  'capture_status_pkey',
  'import_runs_pkey',
  'import_runs_user_started_idx',
  'playlists_pkey',
  'playlists_user_created_idx',
  'snapshots_pkey',
  'snapshots_user_track_date_idx',
  'spotify_access_lapses_open_idx',
  'spotify_access_lapses_pkey',
  'spotify_tokens_pkey',
  'tracks_pkey',
  'user_tracks_pkey',
  'users_pkey',
  'users_spotify_id_key',
];

/** Connections kept free for psql, migrations, backups and the platform's own tools. */
export function connectionMargin(maxConnections: number): number {
  return Math.max(5, Math.ceil(maxConnections * 0.1));
}

const SECRET_VARIABLES = new Set(['SESSION_SECRET', 'FLASK_SECRET_KEY', 'SECRET_KEY']);
const REDIRECT_VARIABLES = new Set(['SPOTIFY_REDIRECT_URI', 'SPOTIPY_REDIRECT_URI']);
const DATABASE_VARIABLES = new Set(['DATABASE_URL', 'DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD', 'DATA_DIR', 'EMBEDDED_IN_PRODUCTION', 'DB_POOL_MIN', 'DB_POOL_MAX', 'DB_STATEMENT_TIMEOUT_MS']);

export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const checks: PreflightCheck[] = [];
  const add = (check: PreflightCheck) => checks.push(options.strict && check.status === 'warn' ? { ...check, status: 'fail' } : check);

  // Judged as production whatever NODE_ENV says; the node_env line tells when it is not set so.
  const env: Env = { ...options.env, NODE_ENV: 'production' };
  const { config, problems } = readConfig(env);

  add(nodeEnvCheck(options.env.NODE_ENV));
  add(variablesCheck(env, problems.filter((p) => !SECRET_VARIABLES.has(p.variable) && !REDIRECT_VARIABLES.has(p.variable) && !DATABASE_VARIABLES.has(p.variable))));
  add(secretCheck(problems.filter((p) => SECRET_VARIABLES.has(p.variable))));
  add(redirectCheck(env, config, problems.filter((p) => REDIRECT_VARIABLES.has(p.variable))));

  const databaseConfig = readDatabaseConfig(env);
  if ('problems' in databaseConfig) {
    add({
      id: 'database',
      title: 'database',
      status: 'fail',
      detail: databaseConfig.problems.map((p) => `${p.variable}: ${p.message}`).join(' '),
      fix: 'Set DATABASE_URL to the production PostgreSQL (Railway: the Postgres service\'s public URL when you run this from your laptop).',
    });
    add(await rollbackCheck(options));
    return report(null, checks);
  }
  const location = describeLocation(databaseConfig.database);
  if (databaseConfig.database.kind === 'embedded') {
    add({
      id: 'database',
      title: 'database',
      status: 'fail',
      detail: `the embedded database in ${databaseConfig.database.dataDir} (EMBEDDED_IN_PRODUCTION=true): one process only, no second instance, no pre-deploy migration from outside`,
      fix: 'Use PostgreSQL in production: set DATABASE_URL and remove EMBEDDED_IN_PRODUCTION.',
    });
    add(await rollbackCheck(options));
    return report(location, checks);
  }

  let database: Database;
  try {
    database = await openDatabase(databaseConfig.database);
  } catch (error) {
    add(unreachable(location, error));
    add(await rollbackCheck(options));
    return report(location, checks);
  }
  try {
    let limits;
    try {
      limits = await readConnectionLimits(database.db);
    } catch (error) {
      add(unreachable(location, error));
      add(await rollbackCheck(options));
      return report(location, checks);
    }
    add({ id: 'database', title: 'database', status: 'pass', detail: `PostgreSQL ${limits.serverVersion} at ${location} answers` });

    const state = await migrationStatus(database.db);
    const pending = state.filter((m) => !m.executedAt).map((m) => m.name);
    const latest = state.at(-1)?.name ?? '(none shipped)';
    add(
      pending.length
        ? { id: 'schema', title: 'schema', status: 'fail', detail: `${pending.length} migration(s) pending: ${pending.join(', ')}`, fix: 'Run `npx mtm db migrate` (Railway runs it as the pre-deploy command).' }
        : { id: 'schema', title: 'schema', status: 'pass', detail: `at the latest migration, ${latest}` },
    );
    // Missing tables are what a pending migration means; listing them again would say it twice.
    if (!pending.length) add(await tablesCheck(database));
    add(poolCheck(limits, config, databaseConfig.database, options));
    if (options.legacy) add(await legacyRowsCheck(database, options.legacy, options.clock));
    add(await rollbackCheck(options));
    return report(location, checks);
  } finally {
    await database.close();
  }
}

function report(database: string | null, checks: PreflightCheck[]): PreflightReport {
  return { ok: checks.every((c) => c.status !== 'fail'), database, checks };
}

function readConfig(env: Env): { config: Config | undefined; problems: readonly ConfigProblem[] } {
  try {
    return { config: loadConfig(env), problems: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { config: undefined, problems: error.problems };
    throw error;
  }
}

function readDatabaseConfig(env: Env): { database: DatabaseConfig } | { problems: readonly ConfigProblem[] } {
  try {
    return { database: loadDatabaseConfig(env).database };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}

function describeLocation(database: DatabaseConfig): string {
  return database.kind === 'postgres' ? redactUrl(database.url) : database.dataDir;
}

function unreachable(location: string, error: unknown): PreflightCheck {
  return {
    id: 'database',
    title: 'database',
    status: 'fail',
    detail: `cannot reach PostgreSQL at ${location}: ${errorMessage(error)} (schema, tables and pool not checked)`,
    fix: 'Check DATABASE_URL (host, port, user, password, database name). From a laptop, use the database\'s public URL; the private one (*.railway.internal) resolves only inside Railway.',
  };
}

function nodeEnvCheck(nodeEnv: string | undefined): PreflightCheck {
  if (nodeEnv === 'production') return { id: 'node_env', title: 'NODE_ENV', status: 'pass', detail: 'production' };
  return {
    id: 'node_env',
    title: 'NODE_ENV',
    status: 'fail',
    detail: nodeEnv ? `is "${nodeEnv}", not production` : 'is not set',
    fix: 'Set NODE_ENV=production on the deploy: secure cookies, proxy trust, JSON logs and the strict secret rules depend on it.',
  };
}

function variablesCheck(env: Env, problems: readonly ConfigProblem[]): PreflightCheck {
  const all = [...problems];
  if (!env.APP_URL?.trim()) {
    all.push({ variable: 'APP_URL', message: 'is not set: the public URL users open (https://<app>.up.railway.app), which the demo login and the redirect URI check need.' });
  }
  if (all.length) {
    return {
      id: 'variables',
      title: 'variables',
      status: 'fail',
      detail: all.map((p) => `${p.variable}: ${p.message}`).join(' '),
      fix: 'Set each variable named above in your host\'s variables (README.md, "Configuration", lists every one and its tutorial alias).',
    };
  }
  return { id: 'variables', title: 'variables', status: 'pass', detail: 'every required variable is set and well formed' };
}

function secretCheck(problems: readonly ConfigProblem[]): PreflightCheck {
  if (problems.length) {
    return {
      id: 'secret',
      title: 'session secret',
      status: 'fail',
      detail: problems.map((p) => `${p.variable}: ${p.message}`).join(' '),
      fix: 'Set a new one in the host\'s variables. Changing it later logs everyone out and makes the stored Spotify tokens unreadable (users log in again).',
    };
  }
  return { id: 'secret', title: 'session secret', status: 'pass', detail: 'set, long enough and not a well-known value' };
}

function redirectCheck(env: Env, config: Config | undefined, problems: readonly ConfigProblem[]): PreflightCheck {
  const title = 'Spotify redirect URI';
  if (problems.length) {
    return { id: 'redirect_uri', title, status: 'fail', detail: problems.map((p) => `${p.variable}: ${p.message}`).join(' ') };
  }
  const demo = env.DEMO_MODE === 'true' || env.DEMO_MODE === '1';
  if (demo) {
    return { id: 'redirect_uri', title, status: 'warn', detail: 'DEMO_MODE=true: the offline demo Spotify, no real logins', fix: 'Set SPOTIFY_CLIENT_ID, SPOTIFY_CLIENT_SECRET and SPOTIFY_REDIRECT_URI and unset DEMO_MODE for real users.' };
  }
  // From the variables themselves: another variable's problem must not hide (or fail) this line.
  const uri = config?.spotify?.redirectUri ?? (env.SPOTIFY_REDIRECT_URI?.trim() || env.SPOTIPY_REDIRECT_URI?.trim());
  if (!uri) return { id: 'redirect_uri', title, status: 'fail', detail: 'not set (no Spotify app configured)', fix: 'Set SPOTIFY_REDIRECT_URI=https://<your app>/callback.' };
  const url = new URL(uri);
  const appUrl = env.APP_URL?.trim();
  if (url.protocol !== 'https:') {
    return { id: 'redirect_uri', title, status: 'fail', detail: `"${uri}" is not HTTPS (loopback HTTP works only on your own machine)`, fix: `Use ${appUrl ? `${new URL(appUrl).origin}` : 'https://<your app>'}/callback, and register exactly that in the Spotify dashboard.` };
  }
  if (!appUrl) {
    return { id: 'redirect_uri', title, status: 'fail', detail: `"${uri}" cannot be checked against APP_URL, which is not set`, fix: 'Set APP_URL to the public URL; the redirect URI must be on its host.' };
  }
  return { id: 'redirect_uri', title, status: 'pass', detail: `${uri}: HTTPS, on APP_URL's host, ends in /callback (register exactly this in the Spotify dashboard)` };
}

async function tablesCheck(database: Database): Promise<PreflightCheck> {
  const [tables, indexes] = await Promise.all([listPublicTables(database.db), listPublicIndexes(database.db)]);
  const missingTables = EXPECTED_TABLES.filter((t) => !tables.includes(t));
  const missingIndexes = EXPECTED_INDEXES.filter((i) => !indexes.includes(i));
  if (missingTables.length || missingIndexes.length) {
    const parts = [missingTables.length ? `missing tables: ${missingTables.join(', ')}` : '', missingIndexes.length ? `missing or invalid indexes: ${missingIndexes.join(', ')}` : ''];
    return {
      id: 'tables',
      title: 'tables and indexes',
      status: 'fail',
      detail: parts.filter(Boolean).join('; '),
      fix: 'Something removed them after the migrations ran. Restore from a backup, or recreate each from migrations/ (an import that was killed while rebuilding indexes rolls back on its own; rerun it).',
    };
  }
  return { id: 'tables', title: 'tables and indexes', status: 'pass', detail: `${EXPECTED_TABLES.length} tables and ${EXPECTED_INDEXES.length} indexes present` };
}

function poolCheck(
  limits: { maxConnections: number; reserved: number },
  config: Config | undefined,
  database: Extract<DatabaseConfig, { kind: 'postgres' }>,
  options: PreflightOptions,
): PreflightCheck {
  const concurrency = config?.snapshotConcurrency ?? 4;
  const perInstance = database.poolMax + options.jobsPoolMax(concurrency);
  const needed = perInstance * options.instances;
  const margin = connectionMargin(limits.maxConnections);
  const available = limits.maxConnections - limits.reserved - margin;
  const sum = `${options.instances} instance(s) x (DB_POOL_MAX ${database.poolMax} + ${options.jobsPoolMax(concurrency)} for the job queue) = ${needed} connections; the server allows ${limits.maxConnections} (max_connections) - ${limits.reserved} reserved - ${margin} kept free = ${available}`;
  if (needed > available) {
    const fits = Math.max(1, Math.floor(available / options.instances) - options.jobsPoolMax(concurrency));
    return {
      id: 'pool',
      title: 'connection pool',
      status: 'fail',
      detail: sum,
      fix: `Lower DB_POOL_MAX to ${fits} or fewer, run fewer instances, or raise max_connections (or put PgBouncer in front).`,
    };
  }
  return { id: 'pool', title: 'connection pool', status: 'pass', detail: sum };
}

async function legacyRowsCheck(database: Database, legacy: NonNullable<PreflightOptions['legacy']>, clock: Clock): Promise<PreflightCheck> {
  const title = 'rows from the SQLite file';
  let verified;
  try {
    verified = await verifyLegacyImport(database.withBulkSession, { sourcePath: legacy.sqlitePath, owner: legacy.owner, clock });
  } catch (error) {
    return { id: 'legacy_rows', title, status: 'fail', detail: `cannot compare with ${legacy.sqlitePath}: ${errorMessage(error)}`, fix: 'Check the --sqlite path and --owner.' };
  }
  const { tracks, snapshots } = verified;
  const counts = `tracks ${tracks.present} of ${tracks.read}, snapshots ${snapshots.present} of ${snapshots.read}`;
  if (!verified.ok) {
    const failed = verified.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return {
      id: 'legacy_rows',
      title,
      status: 'fail',
      detail: `${counts}; ${failed.join('; ')}`,
      fix: `Run \`npx mtm import-sqlite ${legacy.sqlitePath} --owner ${legacy.owner} --rejects rejects.jsonl\` (safe to rerun), then \`npx mtm verify\` for the details.`,
    };
  }
  const rejected = tracks.rejected + snapshots.rejected;
  if (rejected > 0) {
    return {
      id: 'legacy_rows',
      title,
      status: 'warn',
      detail: `${counts}; ${rejected} row(s) of the file were rejected by the import (tracks ${tracks.rejected}, snapshots ${snapshots.rejected})${legacy.rejectsFile ? `, listed in ${legacy.rejectsFile}` : ''}`,
      fix: legacy.rejectsFile
        ? `Read ${legacy.rejectsFile} (one JSON line per row, with its reason); --strict makes this a failure.`
        : `List them with \`npx mtm import-sqlite ${legacy.sqlitePath} --owner ${legacy.owner} --dry-run --rejects rejects.jsonl\` (writes nothing); --strict makes this a failure.`,
    };
  }
  return { id: 'legacy_rows', title, status: 'pass', detail: `${counts}: every row of ${legacy.sqlitePath} is in ${legacy.owner}'s archive` };
}

async function rollbackCheck(options: PreflightOptions): Promise<PreflightCheck> {
  const title = 'rollback path';
  const file = options.rollbackFile ?? options.legacy?.sqlitePath;
  if (!file) {
    return {
      id: 'rollback',
      title,
      status: 'warn',
      detail: 'no previous export or legacy file named (--rollback FILE or --sqlite FILE)',
      fix: 'Keep the tutorial\'s music_time_machine.db, or write one with `npx mtm export-sqlite rollback.db --owner ID`, and name it here.',
    };
  }
  try {
    const { size } = await stat(file);
    const source = await openLegacySource(file);
    const counts = source.counts;
    source.close();
    return { id: 'rollback', title, status: 'pass', detail: `${file} (${size} bytes: ${counts.tracks} tracks, ${counts.snapshots} snapshot rows) opens in the tutorial's schema` };
  } catch (error) {
    return { id: 'rollback', title, status: 'fail', detail: `${file}: ${errorMessage(error)}`, fix: 'Name a readable SQLite file in the tutorial\'s schema, e.g. one written by `npx mtm export-sqlite`.' };
  }
}
