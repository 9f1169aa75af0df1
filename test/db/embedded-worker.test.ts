import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';

describe('the embedded database runs off the main thread', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase('pglite');
  });
  afterAll(async () => {
    await database.close();
  });

  it('keeps the event loop turning while a long query runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      // A few hundred milliseconds of work inside PGlite. Had it run on this thread, no timer
      // callback could fire until it finished.
      const started = ticks;
      const result = await sql<{ n: number }>`select count(*) as n from generate_series(1, 3000000) g where g % 7 = 0`.execute(
        database.db,
      );
      expect(result.rows).toEqual([{ n: 428571 }]);
      expect(ticks - started).toBeGreaterThan(3);
    } finally {
      clearInterval(timer);
    }
  });

  it('serialises callers on its single session: a transaction is never interleaved', async () => {
    await sql`create table counter (n int)`.execute(database.db);
    await sql`insert into counter values (0)`.execute(database.db);
    // Each transaction reads then writes; interleaving would lose increments.
    await Promise.all(
      Array.from({ length: 25 }, () =>
        database.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ n: number }>`select n from counter`.execute(trx);
          await sql`update counter set n = ${rows[0]!.n + 1}`.execute(trx);
        }),
      ),
    );
    const { rows } = await sql<{ n: number }>`select n from counter`.execute(database.db);
    expect(rows).toEqual([{ n: 25 }]);
  });

  it('a failed transaction rolls back and frees the session for the next caller', async () => {
    await sql`create table items (id int primary key)`.execute(database.db);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`insert into items values (1)`.execute(trx);
        await sql`insert into items values (1)`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '23505', constraint: 'items_pkey' });
    const { rows } = await sql<{ n: number }>`select count(*) as n from items`.execute(database.db);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
