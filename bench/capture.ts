// Scheduled captures at scale: 500 fake users, every Spotify answer delayed 20 ms, through the
// real path (pg-boss queue, workers, token service, rate-limited client, PostgreSQL or PGlite).
// Reports users/minute and Spotify requests/second against the configured limit.
//
// Run: npx tsx bench/capture.ts [--users 500] [--latency-ms 20] [--concurrency 8] [--rate 50]
//      BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/capture.ts
// (with BENCH_DATABASE_URL a scratch database is created there and dropped afterwards).
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, openEmbedded, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { startFakeSpotify } from '../src/fake-spotify/index.js';
import { createJobRunner } from '../src/jobs/runner.js';
import { systemClock } from '../src/lib/clock.js';
import { createLogger } from '../src/lib/logger.js';
import { createRateLimiter } from '../src/lib/rate-limiter.js';
import { createTokenCipher } from '../src/lib/token-cipher.js';
import { upsertUser } from '../src/repositories/users.js';
import { saveTokenResponse, spotifyForUser } from '../src/services/spotify-user.js';
import { fakeSpotifyClient } from '../test/support/spotify-client.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '500' },
    'latency-ms': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '8' },
    rate: { type: 'string', default: '50' },
  },
});
const users = Number(values.users);
const latencyMs = Number(values['latency-ms']);
const concurrency = Number(values.concurrency);
const rate = Number(values.rate);

const adminUrl = process.env.BENCH_DATABASE_URL;
const scratch = `mtm_bench_capture_${process.pid}`;
let database: Database;
let url: string | undefined;
if (adminUrl) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${scratch}`);
  await admin.end();
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${scratch}`;
  url = parsed.toString();
  database = await openDatabase({ kind: 'postgres', url, poolMin: 0, poolMax: concurrency + 4, statementTimeoutMs: 60_000 });
} else {
  database = await openEmbedded({ dataDir: 'memory://' });
}

const clock = systemClock;
const cipher = createTokenCipher('bench-secret-bench-secret-bench-secret-0123');
const fake = await startFakeSpotify({ clock, users: [] });
try {
  await migrateToLatest(database.db);
  const accounts = fake.addUsers(users, 'bench');
  for (const account of accounts) {
    const user = await upsertUser(database.db, { spotifyId: account.id, displayName: account.display_name });
    await saveTokenResponse({ db: database.db, cipher, clock }, user.id, fake.issueTokens(account.id));
  }
  // Every request answered after `latencyMs` (a pass-through fault: no status, just the delay).
  fake.faults.add({ delayMs: latencyMs });
  fake.clearRequests();

  const limiter = createRateLimiter({ perSecond: rate, burst: rate });
  // Production's wait and backoff settings (deps.ts), not the tests' quick ones.
  const client = fakeSpotifyClient(fake, { clock, maxInProcessWaitSeconds: 30, backoffBaseMs: 250, limiter });
  const runner = createJobRunner({
    database,
    postgresUrl: url,
    clock,
    logger: createLogger('silent'),
    capture: { db: database.db, clock, spotifyFor: async (userId) => spotifyForUser({ db: database.db, client, cipher, clock }, userId) },
    concurrency,
    pollingIntervalSeconds: 0.5,
  });
  await runner.start();

  const started = performance.now();
  const { date, userIds } = await runner.runScheduledCaptures();
  for (;;) {
    const done = await sql<{ n: number; failed: number }>`
      select count(*) filter (where last_success_date = ${date}::date)::int as n,
             count(*) filter (where state in ('failed', 'retrying', 'needs_reauth'))::int as failed
      from capture_status`.execute(database.db);
    const { n, failed } = done.rows[0]!;
    if (n + failed >= userIds.length) {
      if (failed) console.log(`${failed} user(s) failed; see mtm snapshot --status`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();

  const requests = fake.requests.length;
  const rows = await sql<{ n: number }>`select count(*)::int as n from snapshots`.execute(database.db);
  console.log(
    JSON.stringify(
      {
        engine: database.kind,
        users,
        latencyMs,
        concurrency,
        rateLimitPerSecond: rate,
        seconds: Number(seconds.toFixed(1)),
        usersPerMinute: Math.round((userIds.length / seconds) * 60),
        spotifyRequests: requests,
        spotifyRequestsPerSecond: Number((requests / seconds).toFixed(1)),
        ofLimit: `${Math.round((requests / seconds / rate) * 100)}%`,
        snapshotRows: rows.rows[0]!.n,
      },
      null,
      2,
    ),
  );
} finally {
  await fake.stop();
  await database.close();
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${scratch} with (force)`);
    await admin.end();
  }
}
