import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';
import {
  adminClient,
  logIn,
  startLoad,
  startOutageApp,
  storedCounts,
  terminateBackends,
  waitForRecovery,
  type Answer,
  type OutageApp,
  type Session,
} from '../support/outage-app.js';
import { waitFor } from '../support/capture-world.js';

/**
 * Issue 11, item 1: the app survives its database going away under load. The real app (its pool,
 * pg-boss with its own pool and schedule, listening on a port) reaches PostgreSQL through a TCP
 * proxy this test controls. PostgreSQL only: PGlite has no connections to lose.
 */
const baseUrl = process.env.TEST_DATABASE_URL;
const USERS = ['cut-ana', 'cut-ben', 'cut-cleo', 'cut-dev', 'cut-eli'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (baseUrl) {
  describe('database outages under load [postgres]', () => {
    let name: string;
    let app: OutageApp;
    let admin: pg.Client;
    let sessions: Session[];
    const unhandled: unknown[] = [];
    const onUnhandled = (error: unknown) => void unhandled.push(error);

    beforeAll(async () => {
      process.on('uncaughtException', onUnhandled);
      process.on('unhandledRejection', onUnhandled);
      name = await createDatabase(baseUrl, 'outage', inject('postgresTemplate')!);
      app = await startOutageApp(databaseUrl(baseUrl, name), USERS);
      admin = await adminClient(databaseUrl(baseUrl, name));
      sessions = [];
      for (const user of USERS) sessions.push(await logIn(app, user));
    });
    afterAll(async () => {
      process.off('uncaughtException', onUnhandled);
      process.off('unhandledRejection', onUnhandled);
      await app?.close();
      await admin?.end();
      if (name) await dropDatabase(baseUrl, name);
    });

    it('terminated sessions and a refused server: 200, or a 503 before any timeout (within 1 s when refused), never a crash or a hang; recovers by itself; no acknowledged write lost', { timeout: 120_000 }, async () => {
      const answers: Answer[] = [];
      const marks = { terminate: 0, refused: 0, restored: 0 };
      let day = 1;
      app.setDay(day);
      const load = startLoad(app, sessions, 10, (answer) => answers.push(answer));
      // A new day every 500 ms: each acknowledged capture is a (user, date) of its own to find afterwards.
      const days = setInterval(() => app.setDay(++day), 500);
      let terminated = 0;
      try {
        await sleep(1000);

        // 1. An operator (or a failover) ends the app's sessions, every 200 ms for 5 s.
        marks.terminate = Date.now();
        const until = Date.now() + 5000;
        while (Date.now() < until) {
          terminated += await terminateBackends(admin, name);
          await sleep(200);
        }

        // 2. The server is unreachable for 3 s: open connections dropped, new ones refused.
        await app.proxy.cut();
        marks.refused = Date.now();
        await sleep(3000);
        marks.restored = Date.now();
        await app.proxy.restore();
        await sleep(1500);
      } finally {
        clearInterval(days);
        await load.stop();
      }

      // Everything answers 200 again soon, with no restart.
      const recoverySeconds = await waitForRecovery(app, sessions, 10_000);
      expect(recoverySeconds).toBeLessThan(5);

      expect(unhandled).toEqual([]);
      expect(terminated).toBeGreaterThan(10);
      const within = (from: number, to: number) => answers.filter((a) => a.startedAt >= from && a.startedAt + a.ms <= to);
      // The cuts did bite: 503s while sessions were being ended, and while the server refused
      // connections every request (each one needs the database, if only for the session) was a 503.
      expect(within(marks.terminate, marks.refused).some((a) => a.status === 503)).toBe(true);
      const refused = within(marks.refused, marks.restored);
      expect(refused.length).toBeGreaterThan(50);
      expect(refused.filter((a) => a.status !== 503)).toEqual([]);

      // Only 200 or 503: no 500, no request left without an answer, no hang.
      expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
      expect(answers.filter((a) => a.ms >= 10_000)).toEqual([]);
      // Pages that meet a cut fail fast. A capture in progress when its session is ended has done
      // real work first (on this machine a whole capture takes 1-3 s), so it is held only to the
      // rule above; one started while the server refuses connections fails fast like the rest.
      // While sessions are being ended, a 503 is held to "before any timeout": under 2 s, the
      // health check's ping budget (pool connect: 5 s). This process runs the app, the proxy and
      // the 10 loops, which keep it saturated: its answers already take ~200-300 ms before any cut,
      // and reconnecting after each termination adds to that; the slowest 503 measured 0.93-1.24 s
      // in this phase on a 2-core machine (the same on the code before 2026-12-01), so a 1 s bound
      // failed by chance. While connections are refused, every answer is held to 1 s.
      const unavailable = answers.filter((a) => a.status === 503);
      expect(unavailable.filter((a) => a.request !== 'POST /snapshot' && a.ms >= 2000)).toEqual([]);
      expect(refused.filter((a) => a.ms >= 1000)).toEqual([]);
      const reasons = new Set(unavailable.map((a) => `${a.request}: ${a.code}`));
      for (const reason of reasons) {
        expect([
          'GET /healthz: database unreachable', // the health check's own answer
          'GET /healthz: database_unavailable', // this browser's session cookie could not be looked up first
          'GET /: page: database unavailable',
          'GET /snapshot: page: database unavailable',
          'POST /snapshot: database_unavailable',
        ]).toContain(reason);
      }
      expect(unavailable.filter((a) => a.request !== 'GET /healthz' && a.retryAfter !== '5')).toEqual([]);

      // Every capture the app acknowledged is stored whole.
      const acknowledged = answers.filter((a) => a.stored);
      expect(acknowledged.length).toBeGreaterThanOrEqual(5);
      for (const { user, stored } of acknowledged) {
        expect({ user, date: stored!.date, rows: await storedCounts(admin, user, stored!.date) }).toEqual({ user, date: stored!.date, rows: stored!.counts });
      }

      // pg-boss kept going: a scheduled run after the outage captures every user for the new day.
      app.setDay(++day);
      await app.deps.jobs.triggerSchedule();
      await waitFor('every user captured by the schedule', async () => {
        const result = await admin.query('select count(*)::int as n from capture_status where last_success_date = $1', [app.today()]);
        return result.rows[0].n === USERS.length;
      }, 30_000);
      expect(unhandled).toEqual([]);
    });
  });
}
