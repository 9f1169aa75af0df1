import type { FastifyInstance } from 'fastify';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { createLogger } from '../../src/lib/logger.js';
import { SESSION_COOKIE } from '../../src/routes/plugins/session.js';
import { approveOnFake, UNLIMITED } from './app.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * The whole app as `npm start` runs it on PostgreSQL (its own pool, pg-boss with its own pool and
 * the cron schedule, listening on a port), reaching the database through a TCP proxy the caller
 * controls, with Spotify played by the fake. Used by the database-outage test and bench.
 */
export interface OutageApp {
  readonly url: string;
  readonly deps: Deps;
  readonly fake: FakeSpotify;
  readonly proxy: TcpProxy;
  /** Moves the app's (and the fake's) clock to another day, so each capture writes a new date. */
  setDay(offset: number): void;
  today(): string;
  close(): Promise<void>;
}

const FIRST_DAY = Date.parse('2026-03-01T12:00:00Z');

export async function startOutageApp(directUrl: string, users: readonly string[]): Promise<OutageApp> {
  let day = 0;
  const clock = { now: () => new Date(FIRST_DAY + day * 86_400_000) };
  const target = new URL(directUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: proxy.urlThrough(directUrl), HOST: '127.0.0.1', PORT: '0', DB_POOL_MAX: '10' });
  // Tokens that outlive the moving clock: no refresh mid-test. The fake, like Spotify, accepts
  // only the registered callback URL.
  const fake = await startFakeSpotify({
    clock,
    accessTokenTtlSeconds: 10 * 365 * 86_400,
    redirectUris: [`${config.appUrl}/callback`],
    users: users.map((id) => ({ id, display_name: `Listener ${id}` })),
  });
  const deps = await createDeps(config, {
    // Quiet unless asked (OUTAGE_LOG_LEVEL=warn): the health route logs its own warnings at any
    // level, so "silent" goes to a stream that drops everything.
    logger: process.env.OUTAGE_LOG_LEVEL ? createLogger(process.env.OUTAGE_LOG_LEVEL) : pino({ level: 'silent' }, new Writable({ write: (_chunk, _encoding, done) => done() })),
    clock,
    fakeSpotify: fake,
    spotify: { backoffBaseMs: 1 },
    jobs: { pollingIntervalSeconds: 0.5 },
    // The load posts captures and logs in far faster than a person: no rate limits or cooldown.
    limits: UNLIMITED,
  });
  let app: FastifyInstance | undefined;
  try {
    await migrateToLatest(deps.database.db);
    await deps.jobs.start();
    app = await buildApp(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await app?.close();
    await deps.close();
    await fake.stop();
    await proxy.close();
    throw error;
  }
  const address = app.server.address() as { port: number };
  const started = app;
  return {
    url: `http://127.0.0.1:${address.port}`,
    deps,
    fake,
    proxy,
    setDay: (offset) => void (day = offset),
    today: () => clock.now().toISOString().slice(0, 10),
    async close() {
      await proxy.restore();
      await started.close();
      await deps.close();
      await fake.stop();
      await proxy.close();
    },
  };
}

/** A logged-in browser: its session cookie and CSRF token. */
export interface Session {
  user: string;
  cookie: string;
  csrf: string;
}

function sessionCookie(response: Response, previous: string): string {
  const set = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return set ? set.split(';')[0]! : previous;
}

/** The login over real HTTP: /login, the fake's consent, /callback; then the snapshot page's CSRF token. */
export async function logIn(app: OutageApp, user: string): Promise<Session> {
  const login = await fetch(`${app.url}/login`, { redirect: 'manual' });
  let cookie = sessionCookie(login, '');
  const { callback } = await approveOnFake(app.fake, new URL(login.headers.get('location')!).search, user);
  const done = await fetch(`${app.url}${callback}`, { headers: { cookie }, redirect: 'manual' });
  if (done.status !== 302) throw new Error(`login of ${user} answered ${done.status}: ${await done.text()}`);
  cookie = sessionCookie(done, cookie);
  const page = await fetch(`${app.url}/snapshot`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`the snapshot page of ${user} answered ${page.status}`);
  return { user, cookie: sessionCookie(page, cookie), csrf };
}

/** One answer seen by the load: what was asked, the status (or 'error' when none came), timings. */
export interface Answer {
  request: 'GET /' | 'GET /healthz' | 'GET /snapshot' | 'POST /snapshot';
  user: string;
  status: number | 'error';
  /** 503s: the error code in the body (or the health check's `database` field). */
  code?: string;
  retryAfter?: string | null;
  /** POST /snapshot 200: the date and per-range counts the app says it stored. */
  stored?: { date: string; counts: Record<string, number> };
  startedAt: number;
  ms: number;
}

const REQUESTS: ReadonlyArray<Answer['request']> = ['GET /', 'GET /healthz', 'GET /snapshot', 'POST /snapshot'];

/** Sends one request of the mix as `session`'s browser (or API client, for the POST). */
export async function ask(app: OutageApp, session: Session, request: Answer['request']): Promise<Answer> {
  const startedAt = Date.now();
  const [method, path] = request.split(' ') as ['GET' | 'POST', string];
  const headers: Record<string, string> = { cookie: session.cookie };
  if (request === 'POST /snapshot') Object.assign(headers, { accept: 'application/json', 'x-csrf-token': session.csrf });
  else headers.accept = 'text/html';
  const answer: Answer = { request, user: session.user, status: 'error', startedAt, ms: 0 };
  try {
    // Far longer than any answer should take: a hang shows up as a slow answer or an 'error'.
    const response = await fetch(`${app.url}${path}`, { method, headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    const body = await response.text();
    answer.status = response.status;
    answer.retryAfter = response.headers.get('retry-after');
    if (response.status === 503) answer.code = codeOf(body);
    if (request === 'POST /snapshot' && response.status === 200) {
      const stored = JSON.parse(body) as { date: string; counts: Record<string, number> };
      answer.stored = { date: stored.date, counts: stored.counts };
    }
  } catch {
    // No answer at all (connection refused or reset, or the timeout above).
  }
  answer.ms = Date.now() - startedAt;
  return answer;
}

function codeOf(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: { code?: string }; database?: string };
    return json.error?.code ?? `database ${json.database}`;
  } catch {
    return body.includes('<h1>Database unavailable</h1>') ? 'page: database unavailable' : 'page: other';
  }
}

/** `loops` concurrent request loops over the sessions, each going round the request mix, until stopped. */
export function startLoad(app: OutageApp, sessions: readonly Session[], loops: number, onAnswer: (answer: Answer) => void): { stop(): Promise<void> } {
  let running = true;
  const lanes = Array.from({ length: loops }, async (_, lane) => {
    const session = sessions[lane % sessions.length]!;
    for (let i = lane; running; i += 1) onAnswer(await ask(app, session, REQUESTS[i % REQUESTS.length]!));
  });
  return {
    async stop() {
      running = false;
      await Promise.all(lanes);
    },
  };
}

/** Seconds from now until every request of the mix answers 200 in one round, for every session. */
export async function waitForRecovery(app: OutageApp, sessions: readonly Session[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const round = await Promise.all(sessions.flatMap((s) => REQUESTS.map((r) => ask(app, s, r))));
    if (round.every((a) => a.status === 200)) return (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the app did not answer 200 everywhere within ${timeoutMs} ms`);
}

/** Ends every session of database `name` except the caller's (an operator's pg_terminate_backend). */
export async function terminateBackends(admin: pg.Client, name: string): Promise<number> {
  const result = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  return result.rowCount ?? 0;
}

/** Snapshot rows per range that `user` has on `date`, read straight from the database. */
export async function storedCounts(admin: pg.Client, user: string, date: string): Promise<Record<string, number>> {
  const result = await admin.query<{ time_range: string; rows: number }>(
    `select s.time_range, count(*)::int as rows from snapshots s join users u on u.id = s.user_id
     where u.spotify_id = $1 and s.snapshot_date = $2 group by s.time_range`,
    [user, date],
  );
  return Object.fromEntries(result.rows.map((r) => [r.time_range, r.rows]));
}

/** A plain client on `url`, for the test's own checks (not through the proxy). */
export async function adminClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {}); // our own terminate loop may hit it; it is only used between loops
  await client.connect();
  return client;
}
