import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Env } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { createDeps, type Deps, type DepsOverrides } from '../../src/deps.js';
import { startFakeSpotify, type FakeSpotify, type FakeSpotifyOptions } from '../../src/fake-spotify/index.js';
import { createLogger } from '../../src/lib/logger.js';

/**
 * Rate limits and the capture cooldown out of the way: tests log in and post far faster than a
 * person. Tests of those limits set their own (overrides.limits).
 */
export const UNLIMITED: NonNullable<DepsOverrides['limits']> = {
  loginRequestsPerWindow: 100_000,
  postRequestsPerWindow: 100_000,
  apiRequestsPerWindow: 100_000,
  captureCooldownMs: 0,
};

/** The real app over a test database, for Fastify inject(). Closing it leaves the database open. */
export async function buildTestApp(
  database: Database,
  env: Env = {},
  overrides: Omit<DepsOverrides, 'database'> = {},
): Promise<{ app: FastifyInstance; deps: Deps }> {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const deps = await createDeps(config, { logger: createLogger('silent'), ...overrides, limits: { ...UNLIMITED, ...overrides.limits }, database });
  const app = await buildApp(deps);
  return { app, deps };
}

/**
 * The real app signed in to a running fake Spotify (login, captures), over a shared test
 * database. `close()` stops the app, its jobs and the fake; the database stays open.
 */
export async function buildTestAppWithFake(
  database: Database,
  fakeOptions: FakeSpotifyOptions,
  overrides: Omit<DepsOverrides, 'database' | 'fakeSpotify'> = {},
): Promise<{ app: FastifyInstance; deps: Deps; fake: FakeSpotify; close(): Promise<void> }> {
  const fake = await startFakeSpotify(fakeOptions);
  const { app, deps } = await buildTestApp({ ...database, close: async () => {} }, {}, { ...overrides, fakeSpotify: fake });
  return {
    app,
    deps,
    fake,
    async close() {
      await app.close();
      await deps.close();
      await fake.stop();
    },
  };
}

/** The hidden fields of the fake's consent form (HTML-escaped as &#NN;), as a browser posts them. */
export function consentFormFields(html: string): Record<string, string> {
  const decode = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  return Object.fromEntries([...html.matchAll(/name="(redirect_uri|state|code_challenge|scope)" value="([^"]*)"/g)].map((m) => [m[1]!, decode(m[2]!)]));
}

/**
 * Opens the fake's consent page for an /authorize query and approves it as `user`, the way a
 * browser would. Returns the page and the app's callback path with its query.
 */
export async function approveOnFake(fake: FakeSpotify, authorizeSearch: string, user: string): Promise<{ html: string; callback: string }> {
  const html = await (await fetch(`${fake.url}/authorize${authorizeSearch}`)).text();
  const approved = await fetch(`${fake.url}/authorize/approve`, {
    method: 'POST',
    body: new URLSearchParams({ ...consentFormFields(html), user }),
    redirect: 'manual',
  });
  const callback = new URL(approved.headers.get('location')!);
  return { html, callback: `${callback.pathname}${callback.search}` };
}
