import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isConnectionError } from '../../src/db/connection-errors.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { SpotifyUnavailableError } from '../../src/spotify/errors.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * The PostgreSQL handle through a proxy the test cuts: which real errors count as an outage, the
 * breaker that fails fast while the server refuses connections, and the recovery without a restart.
 * PostgreSQL only: PGlite has no connections to lose.
 */
if (process.env.TEST_DATABASE_URL) {
  describe('the PostgreSQL handle when the server goes away [postgres]', () => {
    let owner: TestDatabase;
    let proxy: TcpProxy;
    let database: Database;
    const warnings: string[] = [];

    beforeAll(async () => {
      owner = await openTestDatabase('postgres');
      const target = new URL(owner.location);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      database = await openDatabase(
        { kind: 'postgres', url: proxy.urlThrough(owner.location), poolMin: 0, poolMax: 4, statementTimeoutMs: 5000 },
        { warn: (_details, message) => void warnings.push(message) },
      );
    });
    afterAll(async () => {
      await database?.close();
      await proxy?.close();
      await owner?.close();
    });

    async function failure(work: Promise<unknown>): Promise<unknown> {
      try {
        await work;
      } catch (error) {
        return error;
      }
      throw new Error('expected a failure');
    }

    it('a session ended inside a transaction fails that transaction as an outage; the process lives and the next query works', async () => {
      const error = await failure(
        database.db.transaction().execute(async (trx) => {
          await sql`select 1`.execute(trx);
          await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx);
        }),
      );
      expect(isConnectionError(error)).toBe(true);
      expect((await sql<{ n: number }>`select 2 as n`.execute(database.db)).rows).toEqual([{ n: 2 }]);
      expect(warnings).toContain('PostgreSQL connection lost');
    });

    it('a bulk session whose session is ended mid-COPY fails its job as an outage; the process lives and the pool serves on', async () => {
      async function* rows() {
        yield '1\n2\n';
        // End the COPY's session from outside, as an operator would, then keep sending.
        await sql`select pg_terminate_backend(pid) from pg_stat_activity
                  where datname = current_database() and pid <> pg_backend_pid() and query like 'COPY%'`.execute(owner.db);
        await new Promise((resolve) => setTimeout(resolve, 100));
        for (let i = 0; i < 1000; i += 1) yield '3\n';
      }
      const error = await failure(
        database.withBulkSession(async (session) => {
          await sql`create temporary table bulk_numbers (n int)`.execute(session.db);
          return session.copyInto('bulk_numbers', ['n'], rows());
        }),
      );
      expect(isConnectionError(error)).toBe(true);
      expect((await sql<{ n: number }>`select 4 as n`.execute(database.db)).rows).toEqual([{ n: 4 }]);
    });

    it('a refused server: the first query fails as an outage, the next ones at once without trying; after the server is back, queries work again', async () => {
      await proxy.cut();
      // Let the pool see its idle connection close (a query on it would fail as a lost connection instead).
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = await failure(sql`select 1`.execute(database.db));
      expect((refused as { code?: string }).code).toBe('ECONNREFUSED');
      expect(isConnectionError(refused)).toBe(true);

      const fast = await failure(sql`select 1`.execute(database.db));
      expect(fast).toBeInstanceOf(DatabaseUnavailableError);
      expect(fast).toMatchObject({ code: 'database_unavailable', status: 503, retryAfterSeconds: 5 });
      expect((fast as Error).cause).toBe(refused);

      await proxy.restore();
      let answer: unknown;
      for (let i = 0; i < 40 && answer === undefined; i += 1) {
        answer = await sql<{ n: number }>`select 3 as n`.execute(database.db).then((r) => r.rows, () => undefined);
        if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(answer).toEqual([{ n: 3 }]);
    });

    it('ordinary database errors and other services\' socket errors are not outages', async () => {
      const division = await failure(sql`select 1/0`.execute(database.db));
      expect((division as { code?: string }).code).toBe('22012');
      expect(isConnectionError(division)).toBe(false);
      const timeout = await failure(sql`set local statement_timeout = 10; select pg_sleep(1)`.execute(database.db));
      expect((timeout as { code?: string }).code).toBe('57014');
      expect(isConnectionError(timeout)).toBe(false);

      await proxy.cut();
      const socket = await failure(new pg.Client({ connectionString: proxy.urlThrough(owner.location) }).connect());
      await proxy.restore();
      expect((socket as { code?: string }).code).toBe('ECONNREFUSED');
      expect(isConnectionError(socket)).toBe(true);
      // A refused connection to Spotify is Spotify's outage, not the database's.
      expect(isConnectionError(new SpotifyUnavailableError('GET /me/top/tracks', 'connection refused', { cause: socket }))).toBe(false);
    });
  });
}
