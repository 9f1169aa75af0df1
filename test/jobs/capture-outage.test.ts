import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { findCaptureStatus } from '../../src/repositories/capture-status.js';
import { getUser } from '../../src/repositories/users.js';
import { DATABASE_OUTAGE_DELAY_SECONDS } from '../../src/services/capture-runs.js';
import { connectUser, startJobInstance, waitFor, type JobInstance } from '../support/capture-world.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { fixedClock } from '../../src/lib/clock.js';

/**
 * A scheduled capture whose database session is ended mid-capture (an operator's
 * pg_terminate_backend, a failover) is deferred, not counted as a failure: the user is neither
 * marked failed nor asked to log in again, and the same job is queued to run again.
 * PostgreSQL only: PGlite has no sessions to end.
 */
if (process.env.TEST_DATABASE_URL) {
  describe('a scheduled capture cut by the database [postgres]', () => {
    const now = new Date('2026-07-01T04:00:00Z');
    const clock = fixedClock(now);
    let database: TestDatabase;
    let fake: FakeSpotify;
    let instance: JobInstance;
    let admin: pg.Client;

    beforeAll(async () => {
      database = await openTestDatabase('postgres');
      fake = await startFakeSpotify({ clock, users: [{ id: 'cut-sched', display_name: 'Cut Schedule' }] });
      instance = await startJobInstance(database, fake, clock, { concurrency: 1 });
      admin = new pg.Client({ connectionString: database.location });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
      await instance?.stop();
      await fake?.stop();
      await database?.close();
    });

    it('is deferred by a minute with its attempt count unchanged, and queued again', { timeout: 60_000 }, async () => {
      const user = await connectUser(database.db, fake, clock, 'cut-sched');
      // Hold the user's row so the capture's first write (which locks it FOR UPDATE) waits on it,
      // then end that session. NO KEY UPDATE still lets the schedule's claim (a foreign key check) through.
      await admin.query('begin');
      await admin.query('select id from users where id = $1 for no key update', [user.id]);
      await instance.runner.runScheduledCaptures();

      let waiting: number | undefined;
      await waitFor('the capture waiting on the row lock', async () => {
        const result = await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
        );
        waiting = result.rows[0]?.pid;
        return waiting !== undefined;
      }, 30_000);
      await admin.query('select pg_terminate_backend($1)', [waiting]);
      await admin.query('rollback');

      await waitFor('the capture recorded as deferred', async () => (await findCaptureStatus(database.db, user.id))?.state === 'deferred', 30_000);
      expect(await findCaptureStatus(database.db, user.id)).toMatchObject({
        state: 'deferred',
        last_error_code: 'database_unavailable',
        last_error: 'The database is unavailable right now. Please try again shortly.',
        attempts: 0,
        next_run_at: new Date(now.getTime() + DATABASE_OUTAGE_DELAY_SECONDS * 1000),
        last_success_date: null,
      });
      expect((await getUser(database.db, user.id)).needs_reauth).toBe(false);
      // The same day's job, queued again for later, still with no failure counted.
      const queued = await sql<{ data: { userId: number; date: string; failures: number }; delay: number }>`
        select data, extract(epoch from start_after - now())::float8 as delay
        from pgboss.job where name = 'snapshot-capture' and state = 'created'`.execute(database.db);
      expect(queued.rows.map((r) => r.data)).toEqual([{ userId: user.id, date: '2026-07-01', failures: 0 }]);
      expect(queued.rows[0]!.delay).toBeGreaterThan(DATABASE_OUTAGE_DELAY_SECONDS - 15);
    });
  });
}
