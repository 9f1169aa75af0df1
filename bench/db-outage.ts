// A database outage under load, measured: the real app (its pool, pg-boss with its own pool and
// schedule, listening on a port) reaches PostgreSQL through a TCP proxy this script controls.
// 10 request loops (GET /, GET /healthz, GET /snapshot, POST /snapshot as logged-in users) run
// throughout; after a warm-up the proxy refuses connections (open ones dropped) for --cut-s
// seconds, then lets them through again. Then the same with pg_terminate_backend on the app's
// sessions every 200 ms. Reports, per phase, answers by status and their latency, and the time
// from the end of the outage until every request is answered 200 again.
//
// Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/db-outage.ts [--cut-s 10] [--loops 10] [--users 5]
// (TEST_DATABASE_URL works too; a scratch database is created there and dropped afterwards).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { databaseUrl, dropDatabase } from '../test/support/postgres-admin.js';
import { adminClient, logIn, startLoad, startOutageApp, terminateBackends, waitForRecovery, type Answer } from '../test/support/outage-app.js';

const { values } = parseArgs({
  options: {
    'cut-s': { type: 'string', default: '10' },
    loops: { type: 'string', default: '10' },
    users: { type: 'string', default: '5' },
  },
});
const cutMs = Number(values['cut-s']) * 1000;
const loops = Number(values.loops);
const userCount = Number(values.users);
const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!baseUrl) throw new Error('Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server to create a scratch database on.');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unhandled: unknown[] = [];
process.on('uncaughtException', (error) => void unhandled.push(error));
process.on('unhandledRejection', (error) => void unhandled.push(error));

// A scratch database of its own, migrated.
const name = `outage_bench_${process.pid}`;
const creator = new pg.Client({ connectionString: baseUrl });
await creator.connect();
await creator.query(`create database ${name}`);
await creator.end();
const migrating = await openDatabase({ kind: 'postgres', url: databaseUrl(baseUrl, name), poolMin: 0, poolMax: 2, statementTimeoutMs: 0 });
await migrateToLatest(migrating.db);
await migrating.close();
const users = Array.from({ length: userCount }, (_, i) => `bench-outage-${i + 1}`);
const app = await startOutageApp(databaseUrl(baseUrl, name), users);
let admin: pg.Client | undefined;
try {
  admin = await adminClient(databaseUrl(baseUrl, name));
  const sessions = [];
  for (const user of users) sessions.push(await logIn(app, user));

  const answers: Answer[] = [];
  let day = 1;
  app.setDay(day);
  const days = setInterval(() => app.setDay(++day), 1000);
  const load = startLoad(app, sessions, loops, (answer) => answers.push(answer));

  await sleep(2000);
  const refusedFrom = Date.now();
  await app.proxy.cut();
  await sleep(cutMs);
  const refusedUntil = Date.now();
  await app.proxy.restore();
  await sleep(8000);

  const terminateFrom = Date.now();
  let terminated = 0;
  while (Date.now() < terminateFrom + cutMs) {
    terminated += await terminateBackends(admin, name);
    await sleep(200);
  }
  const terminateUntil = Date.now();
  await sleep(8000);
  clearInterval(days);
  await load.stop();
  const finalRound = await waitForRecovery(app, sessions, 30_000);

  const report = {
    loops,
    users: userCount,
    refused: phase(answers, refusedFrom, refusedUntil),
    refusedRecovery: recovery(answers, refusedUntil),
    terminate: { ...phase(answers, terminateFrom, terminateUntil), sessionsEnded: terminated },
    terminateRecovery: recovery(answers, terminateUntil),
    allAnswers: answers.length,
    non200or503: answers.filter((a) => a.status !== 200 && a.status !== 503).length,
    finalRoundAll200AfterSeconds: finalRound,
    unhandledErrors: unhandled.length,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await admin?.end();
  await app.close();
  await dropDatabase(baseUrl, name);
}

/** Answers to requests sent during [from, to): counts by status, latency percentiles, per request too. */
function phase(all: Answer[], from: number, to: number) {
  const inPhase = all.filter((a) => a.startedAt >= from && a.startedAt < to);
  const byStatus: Record<string, number> = {};
  for (const a of inPhase) byStatus[String(a.status)] = (byStatus[String(a.status)] ?? 0) + 1;
  const perRequest: Record<string, string> = {};
  for (const request of ['GET /', 'GET /healthz', 'GET /snapshot', 'POST /snapshot']) {
    const mine = inPhase.filter((a) => a.request === request);
    perRequest[request] = `${mine.length} answers, ${[...new Set(mine.map((a) => a.status))].join('/')}, p95 ${percentile(mine, 0.95)} ms`;
  }
  return { seconds: (to - from) / 1000, answers: inPhase.length, byStatus, p50Ms: percentile(inPhase, 0.5), p95Ms: percentile(inPhase, 0.95), maxMs: percentile(inPhase, 1), perRequest };
}

/**
 * Requests sent in the 3 s after the outage ended (the load runs on for 8 s): when the first 200
 * and the last non-200 answer came, and the answers by status.
 */
function recovery(all: Answer[], from: number) {
  const after = all.filter((a) => a.startedAt >= from && a.startedAt < from + 3000);
  const failures = after.filter((a) => a.status !== 200);
  const lastFailure = failures.reduce((end, a) => Math.max(end, a.startedAt + a.ms), from);
  const firstOk = after.find((a) => a.status === 200);
  const byStatus: Record<string, number> = {};
  for (const a of after) byStatus[String(a.status)] = (byStatus[String(a.status)] ?? 0) + 1;
  return {
    secondsUntilFirst200: firstOk ? (firstOk.startedAt + firstOk.ms - from) / 1000 : null,
    secondsUntilAll200: (lastFailure - from) / 1000,
    next3sByStatus: byStatus,
  };
}

function percentile(answers: Answer[], p: number): number {
  if (answers.length === 0) return 0;
  const sorted = answers.map((a) => a.ms).sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
