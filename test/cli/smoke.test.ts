import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMtm } from '../support/cli.js';
import { loadConfig } from '../../src/config.js';
import { listMigrationNames } from '../../src/db/migrate.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { SmokeReport } from '../../src/services/smoke.js';
import { MINI_CLIENT_ID, startMiniApp, type MiniApp, type MiniAppFaults } from '../support/mini-app.js';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';
import { freePort } from '../support/processes.js';

async function smoke(args: string[]): Promise<{ code: number; report: SmokeReport; err: string[] }> {
  const { code, out, err } = await runMtm(['smoke', '--json', ...args], {});
  return { code, report: JSON.parse(out.join('\n')) as SmokeReport, err };
}

const byId = (report: SmokeReport) => Object.fromEntries(report.steps.map((s) => [s.id, s.ok]));
const failed = (report: SmokeReport) => report.steps.filter((s) => !s.ok).map((s) => s.id);
const detail = (report: SmokeReport, id: string) => report.steps.find((s) => s.id === id)!.detail;

/** The real app, listening on a free loopback port, in demo mode (no Spotify app configured). */
async function startDemoApp(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const config = loadConfig({ NODE_ENV: 'test', PORT: String(port), APP_URL: `http://127.0.0.1:${port}`, ...env });
  return startServer(config, { handleSignals: false });
}

describe('mtm smoke', { timeout: 120_000 }, () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const mini = async (demo: boolean, faults?: MiniAppFaults): Promise<MiniApp> => {
    const app = await startMiniApp({ demo, latestMigration: (await listMigrationNames()).at(-1)!, faults });
    cleanups.push(() => app.stop());
    return app;
  };
  const configured = (app: MiniApp) => ['--client-id', MINI_CLIENT_ID, '--redirect-uri', `${app.url}/callback`];

  it('passes every step against a deploy that keeps the whole contract, demo flow included', async () => {
    const app = await mini(true);
    const { code, report } = await smoke([app.url]);
    expect(code).toBe(0);
    expect(byId(report)).toEqual({
      home: true,
      healthz: true,
      login: true,
      static: true,
      headers: true,
      concurrency: true,
      demo_login: true,
      demo_pages: true,
      demo_playlist: true,
      no_5xx: true,
    });
    expect(detail(report, 'demo_login')).toBe('logged in as alex, landed on /');
    expect(detail(report, 'demo_playlist')).toBe('"Current Rotation": 50 tracks, Spotify id pl123');
    expect(app.seen).toContain('POST /demo-spotify/authorize/approve');
    expect(app.seen).toContain('GET /search');
    for (const step of report.steps) expect(step.ms).toBeGreaterThanOrEqual(0);
    // Every request is in the report with its time.
    expect(report.requests.filter((r) => r.path === '/healthz' && r.status === 200)).toHaveLength(16);
  });

  it('a route answering 500: that step fails, and "no 5xx" names the request', async () => {
    const app = await mini(false, { fail500: ['/static/app.css'] });
    const { code, report } = await smoke([app.url, ...configured(app)]);
    expect(code).toBe(1);
    expect(failed(report)).toEqual(['static', 'no_5xx']);
    expect(detail(report, 'static')).toBe('/static/app.css answered 500');
    expect(detail(report, 'no_5xx')).toBe('1 answer(s) with a server error: GET /static/app.css -> 500');
  });

  it('a demo page answering 500 fails the pages step with the page and status', async () => {
    const app = await mini(true, { fail500: ['/analytics'] });
    const { code, report } = await smoke([app.url]);
    expect(code).toBe(1);
    expect(failed(report)).toEqual(['demo_pages', 'no_5xx']);
    expect(detail(report, 'demo_pages')).toBe('GET /analytics answered 500');
  });

  it('a wrong client id fails the login step, saying which it got and which it expected', async () => {
    const app = await mini(false, { clientId: 'someone-elses-app' });
    const { code, report } = await smoke([app.url, ...configured(app)]);
    expect(code).toBe(1);
    expect(failed(report)).toEqual(['login']);
    expect(detail(report, 'login')).toBe(`/login: client_id is "someone-elses-app", expected "${MINI_CLIENT_ID}"`);
  });

  it('a missing security header fails the headers step, naming it', async () => {
    const app = await mini(false, { dropHeaders: ['x-content-type-options'] });
    const { code, report } = await smoke([app.url, ...configured(app)]);
    expect(code).toBe(1);
    expect(failed(report)).toEqual(['headers']);
    expect(detail(report, 'headers')).toBe('GET / lacks X-Content-Type-Options: nosniff');
    const noCsp = await mini(false, { dropHeaders: ['content-security-policy', 'referrer-policy'] });
    expect(detail((await smoke([noCsp.url, ...configured(noCsp)])).report, 'headers')).toBe(
      'GET / lacks Content-Security-Policy, frame-ancestors (in the CSP) or X-Frame-Options, Referrer-Policy',
    );
  });

  it('a deploy on the embedded database fails /healthz', async () => {
    const app = await mini(false, { engine: 'embedded' });
    const { report } = await smoke([app.url, ...configured(app)]);
    expect(failed(report)).toEqual(['healthz']);
    expect(detail(report, 'healthz')).toBe('/healthz: engine is "embedded", expected "postgres" (the deploy is not on PostgreSQL: is DATABASE_URL set on the service?)');
  });

  it('a playlist the API reports empty fails the playlist step', async () => {
    const app = await mini(true, { playlistTrackCount: 0 });
    const { report } = await smoke([app.url]);
    expect(failed(report)).toEqual(['demo_playlist']);
    expect(detail(report, 'demo_playlist')).toBe('the new playlist: trackCount is 0, expected at least 1');
  });

  it('nothing listening: every step fails with the connection error, exit 1', async () => {
    const port = await freePort();
    const { code, report } = await smoke([`http://127.0.0.1:${port}`, '--client-id', 'x', '--redirect-uri', `http://127.0.0.1:${port}/callback`, '--concurrency', '4']);
    expect(code).toBe(1);
    expect(detail(report, 'home')).toBe(`GET /: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(detail(report, 'concurrency')).toBe(`4 of 4 failed: GET /: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port} (2 times); GET /healthz: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${port} (2 times)`);
  });

  it('the real app in demo mode on the embedded database: the engine is flagged, the rest that exists today passes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'mtm-smoke-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const server = await startDemoApp({ DATA_DIR: dataDir });
    cleanups.push(() => server.stop());
    const { report } = await smoke([server.url]);
    expect(byId(report)).toMatchObject({ home: true, healthz: false, login: true, static: true, concurrency: true, demo_login: true, no_5xx: true });
    expect(detail(report, 'healthz')).toMatch(/^\/healthz: engine is "embedded", expected "postgres"/);
    expect(detail(report, 'login')).toBe(
      `302 to ${server.url}/demo-spotify/authorize with client_id mtm-fake-client-id, redirect_uri ${server.url}/callback, scopes user-top-read playlist-modify-private, an S256 challenge and a state`,
    );
    expect(detail(report, 'demo_login')).toBe('logged in as mtm-demo-alex, landed on /');
  });

  // The app on PostgreSQL: declared when TEST_DATABASE_URL is set (always in CI).
  const itOnPostgres = process.env.TEST_DATABASE_URL ? it : () => undefined;
  itOnPostgres('the real app in demo mode on PostgreSQL: every step passes, the demo flow included', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'deploy_smoke');
    cleanups.push(() => dropDatabase(base, name));
    const server = await startDemoApp({ DATABASE_URL: databaseUrl(base, name) });
    cleanups.push(() => server.stop());
    const { code, report } = await smoke([server.url]);
    expect(byId(report)).toEqual({
      home: true, healthz: true, login: true, static: true, headers: true, concurrency: true,
      demo_login: true, demo_pages: true, demo_playlist: true, no_5xx: true,
    });
    expect(code).toBe(0);
    expect(detail(report, 'demo_playlist')).toMatch(/^"Current Rotation – [A-Z][a-z]+ \d{4}": 50 tracks, Spotify id [0-9A-Za-z]{22}$/);
    expect(detail(report, 'healthz')).toBe(`200, PostgreSQL, at ${(await listMigrationNames()).at(-1)}`);
    expect(detail(report, 'concurrency')).toMatch(/^30 of 30 answered 200; median \d+ ms, slowest \d+ ms$/);
  });
});
