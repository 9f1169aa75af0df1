import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/database.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { fixedClock } from '../../src/lib/clock.js';
import { connectUser, startJobInstance, topTrackCalls, waitFor, type JobInstance } from '../support/capture-world.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';

/**
 * Embedded mode is one instance by design (the data folder is locked to one process), and the
 * schedule runs there too: installed from SNAPSHOT_CRON, a tick fired three times captures once.
 */
describe('scheduled captures in embedded mode [pglite]', () => {
  const clock = fixedClock('2026-06-20T04:00:00Z');
  let database: TestDatabase;
  let fake: FakeSpotify;
  let instance: JobInstance;
  const userIds: number[] = [];

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    fake = await startFakeSpotify({ clock, users: [] });
    for (const user of fake.addUsers(5, 'embedded')) userIds.push((await connectUser(database.db, fake, clock, user.id)).id);
    instance = await startJobInstance(database, fake, clock, { concurrency: 2, cron: '0 4 * * *' });
  });
  afterAll(async () => {
    await instance?.stop();
    await fake?.stop();
    await database?.close();
  });

  it('installs the cron schedule and captures every user once per scheduled day', { timeout: 60_000 }, async () => {
    const schedules = await instance.runner.boss.getSchedules();
    expect(schedules.map((s) => ({ name: s.name, cron: s.cron, tz: s.options?.tz }))).toEqual([{ name: 'snapshot-schedule', cron: '0 4 * * *', tz: 'UTC' }]);

    // Three ticks of the schedule for the same day (a restart mid-morning re-fires it, say).
    for (let i = 0; i < 3; i += 1) await instance.runner.triggerSchedule();
    await waitFor('5 captured users', async () => {
      const rows = await database.db.selectFrom('capture_status').select('user_id').where('last_success_date', '=', '2026-06-20').execute();
      const pending = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name like 'snapshot-%' and state < 'completed'`.execute(database.db);
      return rows.length === 5 && pending.rows[0]!.n === 0;
    });
    const calls = topTrackCalls(fake);
    expect(calls).toHaveLength(15);
    expect(new Set(calls).size).toBe(15);
    const counts = await database.db
      .selectFrom('snapshots')
      .select(['user_id', sql<number>`count(*)`.as('rows')])
      .groupBy('user_id')
      .orderBy('user_id')
      .execute();
    expect(counts).toEqual(userIds.map((user_id) => ({ user_id, rows: 150 })));
  });
});

/**
 * Three app instances (each with its own pool, pg-boss, Spotify client and rate limiter) share
 * one PostgreSQL. Every instance fires the daily schedule, as three cron timers would; each of
 * the 30 users must be captured exactly once. Needs a real server: PGlite is one process by design.
 */
// Declared only when a PostgreSQL is configured (always in CI), so a PGlite-only run shows no skip.
if (process.env.TEST_DATABASE_URL) describe('scheduled captures with three app instances on one PostgreSQL [postgres]', () => {
  const clock = fixedClock('2026-06-15T04:00:00Z');
  const today = '2026-06-15';
  let primary: TestDatabase;
  let fake: FakeSpotify;
  const instances: JobInstance[] = [];
  const userIds: number[] = [];

  beforeAll(async () => {
    primary = await openTestDatabase('postgres');
    fake = await startFakeSpotify({ clock, users: [] });
    for (const user of fake.addUsers(30, 'three')) userIds.push((await connectUser(primary.db, fake, clock, user.id)).id);
    // A user who must never be captured: Spotify access revoked earlier.
    fake.addUser({ id: 'three-revoked', display_name: 'Revoked' });
    const revoked = await connectUser(primary.db, fake, clock, 'three-revoked');
    await primary.db.updateTable('users').set({ needs_reauth: true }).where('id', '=', revoked.id).execute();

    for (let i = 0; i < 3; i += 1) {
      const own: Database = await openDatabase({ kind: 'postgres', url: primary.location, poolMin: 0, poolMax: 5, statementTimeoutMs: 30_000 });
      instances.push(await startJobInstance({ ...own, location: primary.location }, fake, clock, { concurrency: 3, ownsDatabase: true }));
    }
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await fake?.stop();
    await primary?.close();
  });

  it('captures each of 30 users exactly once: 30 x 3 snapshots of 50 tracks, none duplicated', { timeout: 90_000 }, async () => {
    // Each instance's cron fires (as a queued schedule job) and each also runs the fan-out directly.
    await Promise.all(instances.map((i) => i.runner.triggerSchedule()));
    const direct = await Promise.all(instances.map((i) => i.runner.runScheduledCaptures()));

    const done = () =>
      primary.db
        .selectFrom('capture_status')
        .select(sql<number>`count(*)`.as('n'))
        .where('last_success_date', '=', today)
        .executeTakeFirstOrThrow();
    await waitFor('30 captured users', async () => (await done()).n === 30 && (await pendingJobs()) === 0);

    const snapshots = await primary.db
      .selectFrom('snapshots')
      .select(['user_id', 'time_range', 'snapshot_date', sql<number>`count(*)`.as('rows'), sql<number>`count(distinct track_id)`.as('tracks'), sql<number>`max(rank)`.as('max_rank')])
      .groupBy(['user_id', 'time_range', 'snapshot_date'])
      .orderBy('user_id')
      .orderBy('time_range')
      .execute();
    expect(snapshots).toHaveLength(90);
    expect(new Set(snapshots.map((s) => s.user_id))).toEqual(new Set(userIds));
    for (const s of snapshots) expect(s).toMatchObject({ snapshot_date: today, rows: 50, tracks: 50, max_rank: 50 });

    // Spotify was asked exactly once per user and range.
    const calls = topTrackCalls(fake);
    expect(calls).toHaveLength(90);
    expect(new Set(calls).size).toBe(90);
    expect(calls.some((c) => c.startsWith('three-revoked '))).toBe(false);

    // pg-boss holds exactly one capture job per user for the day, all completed.
    const jobs = await sql<{ key: string; state: string; n: number }>`
      select singleton_key as key, state, count(*)::int as n from pgboss.job
      where name = 'snapshot-capture' group by singleton_key, state`.execute(primary.db);
    expect(jobs.rows).toHaveLength(30);
    for (const job of jobs.rows) expect(job).toMatchObject({ state: 'completed', n: 1 });

    // The direct fan-outs found the users already claimed by the queued schedule jobs, or claimed
    // some themselves; either way no user was claimed twice.
    const claimedDirectly = direct.flatMap((d) => d.userIds);
    expect(new Set(claimedDirectly).size).toBe(claimedDirectly.length);
    const limiterTotal = instances.reduce((sum, i) => sum + i.limiter.granted, 0);
    expect(limiterTotal).toBe(fake.requests.length);
  });

  async function pendingJobs(): Promise<number> {
    const result = await sql<{ n: number }>`
      select count(*)::int as n from pgboss.job where name in ('snapshot-capture', 'snapshot-schedule') and state < 'completed'`.execute(primary.db);
    return result.rows[0]!.n;
  }
});
