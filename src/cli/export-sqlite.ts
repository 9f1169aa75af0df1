import { databaseConfigFor, parseCommandArgs, UsageError, type Command } from './command.js';
import { withCommandDatabase } from './database.js';

export const exportSqliteCommand: Command = {
  name: 'export-sqlite',
  summary: "write one user's archive as the tutorial's SQLite file (the rollback path)",
  usage: `mtm export-sqlite OUT --owner SPOTIFY_USER_ID [--force] [--json] [--env-file FILE]

  Writes OUT in the legacy Flask app's schema (tracks, snapshots) with everything the user has
  now, snapshots captured after the move included, so the old SQLite-backed app can be
  redeployed with no data lost. Importing OUT again reproduces the same archive.
  Refuses to overwrite OUT unless --force.`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { owner: { type: 'string' }, force: { type: 'boolean', default: false } }, 1);
    const out = positionals[0];
    if (!out) throw new UsageError('say where to write: mtm export-sqlite OUT --owner SPOTIFY_USER_ID');
    const owner = values.owner;
    if (!owner) throw new UsageError('--owner SPOTIFY_USER_ID is required');
    const config = databaseConfigFor(io.env, values['env-file']);
    // Loaded here, not at start-up: every other `mtm` command starts faster without them.
    const { exportLegacyFile } = await import('../services/legacy/export.js');
    return withCommandDatabase(config.database, { migrate: false }, async (database) => {
      const report = await exportLegacyFile(database.db, { owner, outPath: out, overwrite: values.force });
      if (values.json) io.out(JSON.stringify({ database: database.location, ...report }));
      else {
        io.out(`database: ${database.location}`);
        io.out(`wrote ${out}: ${report.tracks} tracks, ${report.snapshots} snapshot rows of ${report.owner}'s archive`);
      }
      return 0;
    });
  },
};
