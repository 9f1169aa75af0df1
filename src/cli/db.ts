import type { DatabaseOnlyConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { MigrationState } from '../db/migrate.js';
import { ConfigError, errorMessage } from '../lib/errors.js';
import { databaseConfigFor, parseCommandArgs, UsageError, type CliIo, type Command } from './command.js';
import { withCommandDatabase } from './database.js';

/** `db status` exit codes, so a deploy script can tell "run migrate" from "cannot even look". */
export const DB_STATUS_EXIT = { upToDate: 0, pending: 1, unreachable: 2 } as const;

export const dbCommand: Command = {
  name: 'db',
  summary: 'apply or list the database migrations',
  usage: `mtm db <migrate|status> [--env-file FILE] [--json]

  migrate   apply every pending migration (idempotent; safe while other instances start)
  status    list applied and pending migrations
            exit 0 up to date, 1 migrations pending, 2 database unreachable (or not configured)

  Needs only the database settings (DATABASE_URL or DB_*), also with NODE_ENV=production.`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {}, 1);
    const action = positionals[0];
    if (action !== 'migrate' && action !== 'status') {
      throw new UsageError(action ? `unknown db action "${action}" (use migrate or status)` : 'say which: mtm db migrate, or mtm db status');
    }
    if (action === 'migrate') {
      const config = databaseConfigFor(io.env, values['env-file']);
      return withCommandDatabase(config.database, { migrate: false }, async (database) => {
        // Migrated here rather than by the helper: the command reports what it applied.
        const { migrateToLatest } = await import('../db/migrate.js');
        const { applied, state } = await migrateToLatest(database.db);
        if (values.json) io.out(JSON.stringify({ database: database.location, applied, migrations: state }));
        else {
          io.out(`database: ${database.location}`);
          io.out(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
        }
        return 0;
      });
    }
    return status(io, values['env-file'], values.json);
  },
};

async function status(io: CliIo, envFile: string | undefined, json: boolean): Promise<number> {
  let config: DatabaseOnlyConfig;
  try {
    config = databaseConfigFor(io.env, envFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return unreachable(io, json, null, error.message);
  }
  // Opened by hand, not through withCommandDatabase: a database that cannot be opened is an
  // answer here (exit 2), not an error. Imported on use, like the helper does.
  const [{ openDatabase, redactUrl }, { migrationStatus }] = await Promise.all([import('../db/database.js'), import('../db/migrate.js')]);
  const location = config.database.kind === 'postgres' ? redactUrl(config.database.url) : config.database.dataDir;
  let database: Database | undefined;
  let state: MigrationState[];
  try {
    database = await openDatabase(config.database);
    state = await migrationStatus(database.db);
  } catch (error) {
    await database?.close().catch(() => undefined);
    return unreachable(io, json, database?.location ?? location, errorMessage(error));
  }
  try {
    const pending = state.filter((m) => !m.executedAt);
    if (json) io.out(JSON.stringify({ database: database.location, migrations: state, pending: pending.length }));
    else printStatus(io, database.location, state);
    return pending.length > 0 ? DB_STATUS_EXIT.pending : DB_STATUS_EXIT.upToDate;
  } finally {
    await database.close();
  }
}

function unreachable(io: CliIo, json: boolean, location: string | null, message: string): number {
  if (json) io.out(JSON.stringify({ database: location, reachable: false, error: message }));
  else {
    if (location) io.out(`database: ${location}`);
    io.err(`mtm db: cannot read the migration state: ${message}`);
  }
  return DB_STATUS_EXIT.unreachable;
}

function printStatus(io: CliIo, location: string, state: MigrationState[]): void {
  io.out(`database: ${location}`);
  for (const m of state) io.out(`${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}`);
  const pending = state.filter((m) => !m.executedAt).length;
  io.out(pending ? `${pending} pending: run \`mtm db migrate\`` : 'up to date');
}
