import { openDatabase } from '../db/database.js';
import { migrateToLatest, migrationStatus, type MigrationState } from '../db/migrate.js';
import { configFor, parseCommandArgs, UsageError, type CliIo, type Command } from './command.js';

export const dbCommand: Command = {
  name: 'db',
  summary: 'apply or list the database migrations',
  usage: `mtm db <migrate|status> [--env-file FILE] [--json]

  migrate   apply every pending migration (idempotent; safe while other instances start)
  status    list applied and pending migrations; exit 1 if any is pending`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {}, 1);
    const action = positionals[0];
    if (action !== 'migrate' && action !== 'status') {
      throw new UsageError(action ? `unknown db action "${action}" (use migrate or status)` : 'say which: mtm db migrate, or mtm db status');
    }
    const config = configFor(io.env, values['env-file']);
    const database = await openDatabase(config.database);
    try {
      if (action === 'migrate') {
        const { applied, state } = await migrateToLatest(database.db);
        if (values.json) io.out(JSON.stringify({ database: database.location, applied, migrations: state }));
        else {
          io.out(`database: ${database.location}`);
          io.out(applied.length ? `applied: ${applied.join(', ')}` : 'nothing to apply: the schema is up to date');
        }
        return 0;
      }
      const state = await migrationStatus(database.db);
      const pending = state.filter((m) => !m.executedAt);
      if (values.json) io.out(JSON.stringify({ database: database.location, migrations: state, pending: pending.length }));
      else printStatus(io, database.location, state);
      return pending.length > 0 ? 1 : 0;
    } finally {
      await database.close();
    }
  },
};

function printStatus(io: CliIo, location: string, state: MigrationState[]): void {
  io.out(`database: ${location}`);
  for (const m of state) io.out(`${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}`);
  const pending = state.filter((m) => !m.executedAt).length;
  io.out(pending ? `${pending} pending: run \`mtm db migrate\`` : 'up to date');
}
