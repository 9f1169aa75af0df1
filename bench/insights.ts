// Insight pages under load: p50/p95 per page with 20 concurrent connections, on PostgreSQL.
// Creates a scratch database, fills it with N users x Y years of daily snapshots
// (bench/insights-data.ts), starts the real app (production mode, in this process), logs each
// user in, then for each page sends requests from 20 connections for --seconds, users in turn.
//
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//        npx tsx bench/insights.ts --users 5 --years 5 [--seconds 10] [--connections 20] [--extra-users 0] [--keep]
// --extra-users K adds K more users of the same size that are never requested: the table grows,
// the requested users' windows stay the same (the "10x the table" run).
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/lib/logger.js';
import pg from 'pg';
import { generateInsightsData } from './insights-data.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1' },
    years: { type: 'string', default: '1' },
    'extra-users': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
    // Reuse a database kept by an earlier run (--keep): no generation, the same users.
    database: { type: 'string' },
  },
});
const users = Number(values.users);
const years = Number(values.years);
const extraUsers = Number(values['extra-users']);
const adminUrl = process.env.BENCH_DATABASE_URL;
if (!adminUrl) throw new Error('Set BENCH_DATABASE_URL (a PostgreSQL server where a scratch database may be created).');

const name = values.database ?? `insights_bench_${users}x${String(years).replace('.', '_')}_${extraUsers}_${process.pid}`;
if (!values.database) await admin(`CREATE DATABASE ${name}`);
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
const database = await openDatabase({ kind: 'postgres', url, poolMin: 2, poolMax: 10, statementTimeoutMs: 3_600_000 });
try {
  await migrateToLatest(database.db);
  let started = performance.now();
  const reused = values.database
    ? (await sql<{ id: number }>`select id from users where spotify_id like 'bench-user-%' order by id limit ${users}`.execute(database.db)).rows.map((r) => Number(r.id))
    : undefined;
  const { userIds, rows } = reused ? { userIds: reused, rows: 0 } : await generateInsightsData(database.db, { users, years, endDate: '2026-06-30', prefix: 'bench' });
  let totalRows = rows;
  if (extraUsers > 0 && !reused) {
    totalRows += (await generateInsightsData(database.db, { users: extraUsers, years, endDate: '2026-06-30', prefix: 'extra', catalogue: Math.max(10_000, users * 2000) })).rows;
  }
  // A long-lived database has been vacuumed: its visibility map lets the user-key lookups be
  // index-only. Right after a bulk insert it is empty, which is not what a deploy serves from.
  if (!reused) await sql`vacuum (analyze) snapshots`.execute(database.db);
  const sizes = await sql<{ rows: number; mb: number }>`
    select (select count(*)::int from snapshots) as rows, round(pg_total_relation_size('snapshots') / 1048576.0)::int as mb`.execute(database.db);
  console.log(`data: ${users} user(s) x ${years} year(s) requested, ${extraUsers} more in the table; ${sizes.rows[0]!.rows} snapshot rows (${sizes.rows[0]!.mb} MB with indexes), generated in ${((performance.now() - started) / 1000).toFixed(1)} s (expected ${totalRows})`);

  const config = loadConfig({ NODE_ENV: 'production', DEMO_MODE: 'true', SESSION_SECRET: 'bench-secret-0123456789-0123456789-0123456789', DATABASE_URL: url, DB_POOL_MAX: '10' });
  const deps = await createDeps(config, { logger: createLogger('silent'), database: { ...database, close: async () => {} } });
  const app = await buildApp(deps);
  app.get('/bench-login/:id', async (request) => {
    request.session.set('userId', Number((request.params as { id: string }).id));
    return 'ok';
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });

  const cookies: string[] = [];
  const perUser: Array<{ dates: string[]; tracks: string[]; words: string[] }> = [];
  for (const id of userIds) {
    const login = await fetch(`${base}/bench-login/${id}`);
    cookies.push(login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '));
    const dates = await sql<{ d: string }>`select distinct snapshot_date as d from snapshots where user_id = ${id} order by 1 desc limit 200`.execute(database.db);
    const tracks = await sql<{ t: string; n: string }>`select s.track_id as t, min(tr.name) as n from snapshots s join tracks tr using (track_id) where s.user_id = ${id} and s.snapshot_date = '2026-06-30' group by 1 limit 50`.execute(database.db);
    perUser.push({ dates: dates.rows.map((r) => r.d), tracks: tracks.rows.map((r) => r.t), words: tracks.rows.map((r) => r.n.split(' ')[0]!.slice(0, 4).toLowerCase()) });
  }
  const pages: Array<{ page: string; paths: (u: number) => string[] }> = [
    { page: '/analytics', paths: () => ['/analytics'] },
    { page: '/analytics?range=all', paths: () => ['/analytics?range=all'] },
    { page: '/dashboard', paths: () => ['/dashboard'] },
    { page: '/history?date=…', paths: (u) => perUser[u]!.dates.map((d, i) => `/history?date=${d}&range=${['short_term', 'medium_term', 'long_term'][i % 3]}`) },
    { page: '/tracks/:id', paths: (u) => perUser[u]!.tracks.map((t) => `/tracks/${t}`) },
    { page: '/search?q=…', paths: (u) => perUser[u]!.words.map((w) => `/search?q=${encodeURIComponent(w)}`) },
  ];

  // The first request per user of a cached page computes its figures: measured on its own.
  const cold: string[] = [];
  for (const p of pages.slice(0, 3)) {
    started = performance.now();
    const response = await fetch(`${base}${p.paths(0)[0]}`, { headers: { cookie: cookies[0]! } });
    await response.arrayBuffer();
    cold.push(`${p.page} ${(performance.now() - started).toFixed(0)} ms`);
  }
  console.log(`first request (cache cold), user 1: ${cold.join(', ')}`);

  console.log(`\n| page | requests | req/s | p50 ms | p95 ms | p99 ms | non-200 |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|`);
  for (const p of pages) {
    const paths = userIds.map((_, u) => p.paths(u));
    const result = await load({ url: base, cookies, paths, connections: Number(values.connections), durationMs: Number(values.seconds) * 1000 });
    const sorted = result.latencies.sort((a, b) => a - b);
    const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
    const bad = Object.entries(result.statuses).filter(([s]) => s !== '200').reduce((n, [, c]) => n + c, 0) + result.errors;
    console.log(`| ${p.page} | ${sorted.length} | ${(sorted.length / Number(values.seconds)).toFixed(0)} | ${pct(0.5)} | ${pct(0.95)} | ${pct(0.99)} | ${bad} |`);
  }
  await app.close();
  await deps.close();
} finally {
  await database.close();
  if (!values.keep && !values.database) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  else console.log(`kept database ${name}`);
}

async function admin(statement: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function load(workerData: { url: string; cookies: string[]; paths: string[][]; connections: number; durationMs: number }) {
  return new Promise<{ latencies: number[]; errors: number; statuses: Record<string, number> }>((done, fail) => {
    const worker = new Worker(new URL('./insights-load.js', import.meta.url), { workerData });
    worker.once('message', done);
    worker.once('error', fail);
  });
}
