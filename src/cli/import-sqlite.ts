import type { ImportReport, TableReport } from '../services/legacy/import.js';
import { databaseConfigFor, parseCommandArgs, UsageError, type CliIo, type Command } from './command.js';
import { withCommandDatabase } from './database.js';
import { formatTable, n, progressBar, seconds } from './progress.js';

/** Test hook: the process SIGKILLs itself at this checkpoint (see services/legacy/import.ts). */
export const KILL_AT_VARIABLE = 'MTM_IMPORT_KILL_AT';

export const importSqliteCommand: Command = {
  name: 'import-sqlite',
  summary: "import the tutorial's SQLite file (music_time_machine.db) into one user's archive",
  usage: `mtm import-sqlite FILE --owner SPOTIFY_USER_ID [--dry-run] [--rejects FILE] [--keep-constraints | --rebuild-indexes] [--json] [--env-file FILE]

  Imports the legacy Flask app's SQLite file into the configured database (PostgreSQL, or the
  embedded one), as the archive of SPOTIFY_USER_ID (created if new, so their first login finds it).
  The file is opened read-only. Rows that cannot be imported are counted by reason and, with
  --rejects, listed in FILE (JSON lines: table, key, reason, original values).
  All or nothing: the run commits at once at the end; a rerun of the same file changes nothing;
  an interrupted run leaves nothing behind, so just run it again.

  --owner ID      the Spotify user id the history belongs to (required)
  --dry-run       check and count everything, write nothing
  --keep-constraints
                  load snapshots row by row through the live indexes and foreign keys, for a
                  busy shared server. By default a large import (100,000+ rows, into a table
                  holding no more than that) drops and rebuilds them, which is several times
                  faster but locks the snapshots table while it runs.
  --rebuild-indexes
                  drop and rebuild them whatever the sizes (a quiet server, an import split
                  into files of fewer rows)
  --rejects FILE  write the rejected rows to FILE
  --json          print the report as JSON (no progress bar)`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { owner: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, rejects: { type: 'string' }, 'keep-constraints': { type: 'boolean', default: false }, 'rebuild-indexes': { type: 'boolean', default: false } }, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('say which file: mtm import-sqlite FILE --owner SPOTIFY_USER_ID');
    const owner = values.owner;
    if (!owner) throw new UsageError('--owner SPOTIFY_USER_ID is required (the legacy file has no user column)');
    if (values['keep-constraints'] && values['rebuild-indexes']) throw new UsageError('choose one of --keep-constraints and --rebuild-indexes');
    const config = databaseConfigFor(io.env, values['env-file']);
    const killAt = io.env[KILL_AT_VARIABLE];
    const bar = progressBar(process.stderr, !values.json && process.stderr.isTTY === true);
    // Loaded here, not at start-up: every other `mtm` command starts faster without them.
    const [{ systemClock }, { importLegacyFile }, { openFileRejectSink }] = await Promise.all([
      import('../lib/clock.js'),
      import('../services/legacy/import.js'),
      import('../services/legacy/rejects.js'),
    ]);
    // Before anything is read or written: an unwritable --rejects path is one message, not a
    // failure after the import committed.
    const rejects = values.rejects ? await openFileRejectSink(values.rejects) : undefined;
    try {
      return await withCommandDatabase(config.database, { migrate: true, bulkJob: true }, async (database) => {
        const report = await importLegacyFile(database.withBulkSession, {
          sourcePath: file,
          owner,
          dryRun: values['dry-run'],
          constraints: values['keep-constraints'] ? 'keep' : values['rebuild-indexes'] ? 'rebuild' : 'auto',
          rejects,
          clock: systemClock,
          onProgress: (p) => bar.update(p.rowsRead, p.totalRows, p.phase),
          checkpoint: (name) => {
            if (killAt === name) process.kill(process.pid, 'SIGKILL');
          },
        });
        bar.done();
        if (values.json) io.out(JSON.stringify({ database: database.location, rejectsFile: values.rejects ?? null, ...report }));
        else {
          io.out(`database: ${database.location}`);
          printReport(io, report, file, values.rejects);
        }
        return 0;
      });
    } catch (error) {
      // The service cleans up after a failed run; this covers failures before the run (the
      // database cannot be opened or migrated, a bad file).
      await rejects?.abort();
      throw error;
    } finally {
      bar.done();
    }
  },
};

function printReport(io: CliIo, report: ImportReport, file: string, rejectsFile: string | undefined): void {
  io.out(
    `${report.dryRun ? 'dry run (nothing written): ' : ''}${file} -> ${report.owner}'s archive` +
      `${report.runId !== null ? ` (import run ${report.runId})` : ''} in ${seconds(report.ms)}`,
  );
  const rejected = (t: TableReport) => Object.values(t.rejected).reduce((a, b) => a + b, 0);
  const row = (name: string, t: TableReport) => [name, n(t.read), n(t.imported), n(t.alreadyPresent), n(rejected(t)), seconds(t.ms)];
  for (const line of formatTable([
    ['table', 'read', report.dryRun ? 'would import' : 'imported', 'already present', 'rejected', 'time'],
    row('tracks', report.tracks),
    row('snapshots', report.snapshots),
  ])) {
    io.out(line);
  }
  const reasons = [
    ...Object.entries(report.tracks.rejected).map(([r, c]) => ['tracks', r, c] as const),
    ...Object.entries(report.snapshots.rejected).map(([r, c]) => ['snapshots', r, c] as const),
  ];
  if (reasons.length) {
    io.out('rejected, by reason:');
    for (const [table, reason, count] of reasons) io.out(`  ${table.padEnd(10)} ${reason.padEnd(24)} ${n(count)}`);
  }
  const nulled = Object.entries(report.tracks.rawJsonNull);
  if (nulled.length) {
    io.out('tracks kept with raw_json NULL (the JSON could not be stored), by reason:');
    for (const [reason, count] of nulled) io.out(`  ${reason.padEnd(35)} ${n(count)}`);
  }
  const differing = report.tracks.alreadyPresentDiffering + report.snapshots.alreadyPresentDiffering;
  if (differing) {
    io.out(`${n(differing)} rows were already present with different content; the database's version was kept.`);
  }
  if (report.interruptedRunsClosed) io.out(`${report.interruptedRunsClosed} earlier interrupted run(s) marked failed (they had written nothing).`);
  if (reasons.length || nulled.length) {
    io.out(rejectsFile ? `rejected rows with their original values: ${rejectsFile}` : 'rerun with --rejects FILE to list every rejected row with its original values');
  }
}
