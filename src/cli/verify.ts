import { databaseConfigFor, parseCommandArgs, UsageError, type Command } from './command.js';
import { withCommandDatabase } from './database.js';
import { progressBar } from './progress.js';

export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check that a legacy SQLite file is fully and exactly in the database',
  usage: `mtm verify FILE --owner SPOTIFY_USER_ID [--json] [--env-file FILE]

  Re-reads the legacy file (read-only) with the import's own rules and checks the configured
  database: row counts equal the file minus its rejects, every imported row is equal in content
  (checksums), JSONB answers the release-year query, foreign keys hold, indexes are present.
  Exit 0 only if every check holds; 1 otherwise. Writes nothing.`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { owner: { type: 'string' } }, 1);
    const file = positionals[0];
    if (!file) throw new UsageError('say which file: mtm verify FILE --owner SPOTIFY_USER_ID');
    const owner = values.owner;
    if (!owner) throw new UsageError('--owner SPOTIFY_USER_ID is required');
    const config = databaseConfigFor(io.env, values['env-file']);
    const bar = progressBar(process.stderr, !values.json && process.stderr.isTTY === true);
    // Loaded here, not at start-up: every other `mtm` command starts faster without them.
    const [{ systemClock }, { verifyLegacyImport }] = await Promise.all([import('../lib/clock.js'), import('../services/legacy/verify.js')]);
    try {
      return await withCommandDatabase(config.database, { migrate: false }, async (database) => {
        const report = await verifyLegacyImport(database.withBulkSession, {
          sourcePath: file,
          owner,
          clock: systemClock,
          onProgress: (p) => bar.update(p.rowsRead, p.totalRows, p.phase),
        });
        bar.done();
        if (values.json) io.out(JSON.stringify({ database: database.location, ...report }));
        else {
          io.out(`database: ${database.location}`);
          for (const check of report.checks) io.out(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}`);
          io.out(report.ok ? `verified: ${file} is fully in ${report.owner}'s archive` : `verification FAILED for ${file} (${report.checks.filter((c) => !c.ok).length} check(s))`);
        }
        return report.ok ? 0 : 1;
      });
    } finally {
      bar.done();
    }
  },
};
