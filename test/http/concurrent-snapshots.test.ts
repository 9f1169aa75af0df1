import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSpotify } from '../../src/fake-spotify/index.js';
import { buildTestAppWithFake } from '../support/app.js';
import { describeEachEngine } from '../support/databases.js';
import { logInAs, seedArchive, visit, type Visitor } from '../support/pages.js';
import { fixedClock } from '../../src/lib/clock.js';

const USERS = 50;

/**
 * 50 logged-in users press "Take a snapshot now" at the same moment, over real HTTP: every one
 * succeeds (no lock timeout, deadlock or serialization error reaches anyone), and each user ends
 * with exactly one snapshot of 50 tracks per range for the day.
 */
describeEachEngine('50 users take a snapshot at once', ({ database }) => {
  const clock = fixedClock('2026-09-10T12:00:00Z');
  let app: FastifyInstance;
  let fake: FakeSpotify;
  let close: () => Promise<void>;
  let base: string;
  const sessions: Array<{ id: string; visitor: Visitor; token: string }> = [];

  beforeAll(async () => {
    ({ app, fake, close } = await buildTestAppWithFake(database(), { clock, users: [] }, { clock, spotify: { backoffBaseMs: 1 } }));
    const users = fake.addUsers(USERS, 'conc');
    for (const user of users) {
      // An older archive, so the login itself does not capture (only the concurrent presses do).
      await seedArchive(database().db, user.id, { t: [`old-${user.id}`, 'Old Band'] }, [{ date: '2026-01-01', range: 'short_term', tracks: ['t'] }]);
      const { visitor } = await logInAs(app, fake, user.id);
      const page = await visit(app, visitor, '/snapshot');
      const token = /<meta name="csrf-token" content="([^"]+)">/.exec(page.body)![1]!;
      sessions.push({ id: user.id, visitor, token });
    }
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  }, 240_000);
  afterAll(() => close());

  it('all 50 succeed and the counts are exact', async () => {
    fake.clearRequests();
    const answers = await Promise.all(
      sessions.map(async (s) => {
        const response = await fetch(`${base}/snapshot`, {
          method: 'POST',
          headers: { cookie: s.visitor.cookie, accept: 'application/json', 'x-csrf-token': s.token },
        });
        return { id: s.id, status: response.status, body: (await response.json()) as unknown };
      }),
    );
    const expected = { outcome: 'captured', date: '2026-09-10', counts: { short_term: 50, medium_term: 50, long_term: 50 } };
    expect(answers.filter((a) => a.status !== 200 || JSON.stringify(a.body) !== JSON.stringify(expected))).toEqual([]);
    expect(fake.requests.filter((r) => r.path === '/v1/me/top/tracks')).toHaveLength(USERS * 3);

    const perUser = await sql<{ spotify_id: string; ranges: number; rows: number; max_rank: number }>`
      select u.spotify_id, count(distinct s.time_range)::int as ranges, count(*)::int as rows, max(s.rank)::int as max_rank
      from users u join snapshots s on s.user_id = u.id and s.snapshot_date = '2026-09-10'
      where u.spotify_id like 'conc-%'
      group by u.spotify_id order by u.spotify_id`.execute(database().db);
    expect(perUser.rows).toHaveLength(USERS);
    expect(perUser.rows.every((r) => r.ranges === 3 && r.rows === 150 && r.max_rank === 50)).toBe(true);
    const statuses = await sql<{ n: number }>`
      select count(*)::int as n from capture_status c join users u on u.id = c.user_id
      where u.spotify_id like 'conc-%' and c.last_success_date = '2026-09-10' and c.last_error is null`.execute(database().db);
    expect(statuses.rows[0]!.n).toBe(USERS);
  }, 240_000);
});
