import { configFor, parseCommandArgs, UsageError, type Command } from './command.js';
import { withCommandDatabase } from './database.js';

export const explainCommand: Command = {
  name: 'explain',
  summary: 'EXPLAIN ANALYZE every query of the insight pages for one user',
  usage: `mtm explain [--user ID] [--json] [--env-file FILE]

  Runs each query the insight pages (analytics, dashboard, time machine, track page, search)
  use, for one user of the configured database, under EXPLAIN (ANALYZE, BUFFERS), and prints
  per query its execution time, the indexes it reads and any sequential scan of snapshots or
  tracks (a per-user query should never scan snapshots). Without --user: the user whose
  archive changed most often. Reads only. Exit 1 if a query scans snapshots sequentially.`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { user: { type: 'string' } });
    if (values.user !== undefined && !/^[1-9][0-9]{0,17}$/.test(values.user)) throw new UsageError(`--user takes a user id (a positive number), got "${values.user}"`);
    const config = configFor(io.env, values['env-file']);
    const [{ findBusiestUserId }, { explainInsightQueries }] = await Promise.all([
      import('../repositories/explain.js'),
      import('../services/explain-insights.js'),
    ]);
    return withCommandDatabase(config.database, { migrate: false }, async (database) => {
      const userId = values.user ? Number(values.user) : await findBusiestUserId(database.db);
      if (userId === undefined) {
        io.err('mtm explain: no user has snapshots yet: nothing to explain.');
        return 1;
      }
      const queries = await explainInsightQueries(database.db, userId);
      const scansSnapshots = queries.filter((q) => q.seqScans.includes('snapshots'));
      if (values.json) {
        io.out(JSON.stringify({ database: database.location, userId, queries }));
      } else {
        io.out(`EXPLAIN (ANALYZE, BUFFERS) of the insight pages' queries for user ${userId} on ${database.location}`);
        const width = Math.max(...queries.map((q) => `${q.page}: ${q.query}`.length));
        for (const q of queries) {
          const scans = q.seqScans.filter((t) => t === 'snapshots' || t === 'tracks');
          io.out(
            `${`${q.page}: ${q.query}`.padEnd(width)}  ${q.executionMs.toFixed(2).padStart(9)} ms  ` +
              `indexes: ${q.indexes.join(', ') || 'none'}${scans.length ? `  SEQ SCAN: ${scans.join(', ')}` : ''}`,
          );
        }
        io.out(scansSnapshots.length ? `${scansSnapshots.length} quer${scansSnapshots.length === 1 ? 'y scans' : 'ies scan'} snapshots sequentially` : 'no query scans snapshots sequentially');
      }
      return scansSnapshots.length ? 1 : 0;
    });
  },
};
