// Fills a database with insight-page data: N users x Y years of daily snapshots (see
// bench/insights-data.ts). The database must be migrated (npx mtm db migrate).
//
// Run: DATABASE_URL=postgres://... npx tsx bench/insights-generate.ts --users 5 --years 5 [--end 2026-06-30] [--prefix bench]
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.js';
import { generateInsightsData } from './insights-data.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1' },
    years: { type: 'string', default: '1' },
    end: { type: 'string', default: '2026-06-30' },
    prefix: { type: 'string', default: 'bench' },
    catalogue: { type: 'string' },
  },
});
const url = process.env.DATABASE_URL;
if (!url) throw new Error('Set DATABASE_URL to a migrated PostgreSQL database.');
const database = await openDatabase({ kind: 'postgres', url, poolMin: 0, poolMax: 2, statementTimeoutMs: 3_600_000 });
const started = performance.now();
try {
  const result = await generateInsightsData(database.db, {
    users: Number(values.users),
    years: Number(values.years),
    endDate: values.end,
    prefix: values.prefix,
    catalogue: values.catalogue ? Number(values.catalogue) : undefined,
  });
  console.log(JSON.stringify({ ...result, userIds: result.userIds, seconds: Math.round((performance.now() - started) / 100) / 10 }));
} finally {
  await database.close();
}
