import type { PreflightCheck, PreflightReport } from '../services/preflight.js';
import { environmentWithFile } from '../lib/env-file.js';
import { parseCommandArgs, UsageError, type CliIo, type Command } from './command.js';

const SYMBOL: Record<PreflightCheck['status'], string> = { pass: '✓', warn: '⚠', fail: '✗' };

export const preflightCommand: Command = {
  name: 'preflight',
  summary: "check a production deploy before it takes traffic (the tutorial's checklist)",
  usage: `mtm preflight [--env-file .env.production] [--sqlite FILE --owner ID [--rejects FILE]] [--rollback FILE] [--instances N] [--strict] [--json]

  Checks the deploy's variables and database as production will see them, one line each
  (✓ holds, ⚠ worth a look, ✗ must be fixed, with the fix):
    NODE_ENV            is production
    variables           every required variable set and well formed (APP_URL, the Spotify app, ...)
    session secret      long, random, not a well-known value
    redirect URI        HTTPS, on APP_URL's host, ending in /callback
    database            PostgreSQL, reachable (never the embedded database in production)
    schema              at the latest migration
    tables and indexes  every table and index the migrations create
    connection pool     N instances x (DB_POOL_MAX + the job queue's pool) fit in max_connections
                        minus the reserved slots and a margin
    rows                with --sqlite: the database holds every row of the tutorial's file;
                        rejected rows are a warning (a failure with --strict)
    rollback path       --rollback FILE (a previous export) or the --sqlite file opens

  Needs only the deploy's variables (read with --env-file) and network access to its database:
  run it from your laptop with the database's public URL.

  --sqlite FILE    the tutorial's music_time_machine.db that was imported (with --owner)
  --owner ID       the Spotify user id it was imported as
  --rejects FILE   the import's rejects file, named in the warning
  --rollback FILE  a SQLite file to roll back to (default: the --sqlite file)
  --instances N    app instances running at once (default 1)
  --strict         warnings fail too
  --json           print {"ok", "database", "checks": [{"id","title","status","detail","fix"}]}

Exit status: 0 when nothing failed (warnings allowed), 1 when any check failed.`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      sqlite: { type: 'string' },
      owner: { type: 'string' },
      rejects: { type: 'string' },
      rollback: { type: 'string' },
      instances: { type: 'string', default: '1' },
      strict: { type: 'boolean', default: false },
    });
    if (values.sqlite !== undefined && !values.owner) throw new UsageError('--sqlite FILE needs --owner SPOTIFY_USER_ID (the archive it was imported into)');
    if (values.owner !== undefined && values.sqlite === undefined) throw new UsageError('--owner goes with --sqlite FILE');
    const instances = Number(values.instances);
    if (!/^\d+$/.test(values.instances ?? '') || instances < 1 || instances > 1000) {
      throw new UsageError(`--instances must be a whole number from 1 to 1000, got "${values.instances}"`);
    }
    const env = environmentWithFile(io.env, values['env-file'] ? { path: values['env-file'], required: true } : undefined);
    // Loaded on use: the checks pull in the database layer and the legacy import's readers.
    const [{ runPreflight }, { jobsPoolMax }, { systemClock }] = await Promise.all([
      import('../services/preflight.js'),
      import('../jobs/runner.js'),
      import('../lib/clock.js'),
    ]);
    const report = await runPreflight({
      env,
      instances,
      strict: values.strict,
      legacy: values.sqlite ? { sqlitePath: values.sqlite, owner: values.owner!, rejectsFile: values.rejects } : undefined,
      rollbackFile: values.rollback,
      jobsPoolMax,
      clock: systemClock,
    });
    if (values.json) io.out(JSON.stringify(report));
    else print(io, report);
    return report.ok ? 0 : 1;
  },
};

function print(io: CliIo, report: PreflightReport): void {
  io.out(`preflight: database ${report.database ?? '(not configured)'}`);
  for (const check of report.checks) {
    io.out(`${SYMBOL[check.status]} ${check.title}: ${check.detail}`);
    if (check.fix && check.status !== 'pass') io.out(`    fix: ${check.fix}`);
  }
  const count = (status: PreflightCheck['status']) => report.checks.filter((c) => c.status === status).length;
  io.out(`${count('pass')} ✓, ${count('warn')} ⚠, ${count('fail')} ✗: ${report.ok ? 'ready to deploy' : 'NOT ready: fix every ✗ above'}`);
}
