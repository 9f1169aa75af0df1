import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrationNames } from '../../src/db/migrate.js';
import { createDatabase, databaseUrl, dropDatabase } from '../support/postgres-admin.js';
import { freePort, groupGone, isListening, killGroup, startDetached, waitForHealth } from '../support/processes.js';

/**
 * `npm start` as a PaaS runs it: its own process group, NODE_ENV=production, PORT set, no HOST,
 * the variables a real deploy has. The PaaS stops a release by sending SIGTERM to that one process.
 */
const PRODUCTION = {
  NODE_ENV: 'production',
  SESSION_SECRET: 'k3H9vQ2mX7pL4sN8wR1tY6uB0cF5gJ2e-production-test',
  SPOTIFY_CLIENT_ID: 'mtm-deploy-test-client',
  SPOTIFY_CLIENT_SECRET: 'mtm-deploy-test-secret',
  SPOTIFY_REDIRECT_URI: 'https://mtm.example.com/callback',
  APP_URL: 'https://mtm.example.com',
};

/** Sends the head of a POST and part of its body now; the rest when `finish()` is called. */
function slowPost(port: number, path: string, body: string) {
  const started: { req?: ReturnType<typeof request> } = {};
  const response = new Promise<number>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.write(body.slice(0, 5));
    started.req = req;
  });
  return { response, finish: () => started.req!.end(body.slice(5)) };
}

describe('npm start in production', { timeout: 180_000 }, () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('refuses to start without a database, naming the variables, and listens on nothing', async () => {
    const port = await freePort();
    const started = startDetached('npm', ['start'], { ...PRODUCTION, PORT: String(port) });
    cleanups.push(() => killGroup(started.child.pid));
    expect(await started.exited).toEqual({ code: 1, signal: null });
    await groupGone(started.child.pid!);
    expect(started.output()).toContain(
      'Configuration is not valid:\n  - DATABASE_URL: is not set, and production does not fall back to the embedded database',
    );
    expect(started.output()).toContain("Set DATABASE_URL (Railway: ${{Postgres.DATABASE_URL}}) or the tutorial's DB_HOST, DB_PORT, DB_NAME, DB_USER and DB_PASSWORD.");
    expect(started.output()).toContain('set EMBEDDED_IN_PRODUCTION=true and DATA_DIR');
    expect(started.output()).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/); // one message, no stack trace
    expect(await isListening('127.0.0.1', port)).toBe(false);
  });

  // A real PostgreSQL: declared only when TEST_DATABASE_URL is set (always in CI).
  const itOnPostgres = process.env.TEST_DATABASE_URL ? it : () => undefined;
  itOnPostgres('listens on IPv4 and IPv6; SIGTERM to npm alone drains an in-flight request and exits 0 with nothing left', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'deploy_start');
    cleanups.push(() => dropDatabase(base, name));
    const port = await freePort();
    const started = startDetached('npm', ['start'], { ...PRODUCTION, PORT: String(port), DATABASE_URL: databaseUrl(base, name) });
    cleanups.push(() => killGroup(started.child.pid));

    const health = await waitForHealth(`http://127.0.0.1:${port}/healthz`, started);
    const shipped = await listMigrationNames();
    expect(await health.json()).toEqual({
      status: 'ok',
      database: 'ok',
      engine: 'postgres',
      migrations: { applied: shipped.length, pending: 0, latest: shipped.at(-1) },
    });
    // HOST unset in production: `::`, dual-stack, so the IPv6 loopback answers as well.
    expect((await fetch(`http://[::1]:${port}/healthz`)).status).toBe(200);
    expect(started.output()).toContain(`"url":"http://[::]:${port}"`);

    // A request is in flight (its body half sent) when the platform stops the release.
    const inFlight = slowPost(port, '/logout', 'a=1&b=2&c=3');
    await new Promise((r) => setTimeout(r, 300));
    process.kill(started.child.pid!, 'SIGTERM'); // npm only, not its group
    await waitFor(() => started.output().includes('"msg":"shutting down"'));
    inFlight.finish();
    // It still gets its whole answer (the CSRF check refuses a logout without a token).
    expect(await inFlight.response).toBe(403);

    expect(await started.exited).toEqual({ code: 0, signal: null });
    await groupGone(started.child.pid!, 15_000);
    expect(await isListening('127.0.0.1', port)).toBe(false);
    expect(started.output()).toContain('"msg":"stopped"');
    expect(started.output()).not.toContain('shutdown did not finish');
  });

  itOnPostgres('SIGINT to npm alone (what Ctrl-C sends) stops it the same way, exit 0', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'deploy_sigint');
    cleanups.push(() => dropDatabase(base, name));
    const port = await freePort();
    const started = startDetached('npm', ['start'], { ...PRODUCTION, PORT: String(port), DATABASE_URL: databaseUrl(base, name) });
    cleanups.push(() => killGroup(started.child.pid));
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, started);
    process.kill(started.child.pid!, 'SIGINT');
    expect(await started.exited).toEqual({ code: 0, signal: null });
    await groupGone(started.child.pid!, 15_000);
    expect(started.output()).toContain('"signal":"SIGINT","msg":"shutting down"');
    expect(started.output()).toContain('"msg":"stopped"');
  });

  itOnPostgres('npx mtm serve: SIGTERM to npx alone still stops the server gracefully, leaving nothing behind', async () => {
    const base = process.env.TEST_DATABASE_URL!;
    const name = await createDatabase(base, 'deploy_npx');
    cleanups.push(() => dropDatabase(base, name));
    const port = await freePort();
    const started = startDetached('npx', ['mtm', 'serve'], { ...PRODUCTION, PORT: String(port), DATABASE_URL: databaseUrl(base, name) });
    cleanups.push(() => killGroup(started.child.pid));
    await waitForHealth(`http://127.0.0.1:${port}/healthz`, started);

    process.kill(started.child.pid!, 'SIGTERM');
    // npx relays the signal to the shell it started, which dies without passing it on: npx
    // ends on that signal. The server notices its launcher has gone and drains.
    expect(await started.exited).toEqual({ code: null, signal: 'SIGTERM' });
    await groupGone(started.child.pid!, 20_000);
    expect(await isListening('127.0.0.1', port)).toBe(false);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
