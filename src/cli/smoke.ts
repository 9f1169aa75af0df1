import { performance } from 'node:perf_hooks';
import { environmentWithFile } from '../lib/env-file.js';
import type { SmokeReport } from '../services/smoke.js';
import { parseCommandArgs, UsageError, type CliIo, type Command } from './command.js';

/** What the app sends to Spotify by default (src/spotify/client.ts, src/fake-spotify). */
const SPOTIFY_AUTHORIZE_URL = 'https://accounts.spotify.com/authorize';

export const smokeCommand: Command = {
  name: 'smoke',
  summary: 'smoke-test a live deploy from outside (pages, /healthz, login, headers, load)',
  usage: `mtm smoke URL [--client-id ID] [--redirect-uri URI] [--authorize-url URL] [--demo] [--demo-user ID] [--concurrency N] [--timeout-ms N] [--env-file FILE] [--json]

  Visits URL as a browser and Spotify would, and checks, one step at a time (with its time):
    home page        GET / answers 200 HTML
    /healthz         200, on PostgreSQL, at this release's latest migration
    login redirect   /login redirects to Spotify's authorize URL with the expected client id,
                     redirect URI and scopes, an S256 PKCE challenge and a state
    static assets    every /static/ file the home page links loads
    security headers Content-Security-Policy, X-Content-Type-Options, frame-ancestors or
                     X-Frame-Options, Referrer-Policy; Strict-Transport-Security on HTTPS
    N concurrent     N requests at once (default 30), every one 200
    no 5xx           no answer of any step was a server error
  A demo deployment (its /login leads to the app's /demo-spotify/authorize, or --demo) is also
  logged in through the fake Spotify: Dashboard, Analytics, Search and the time machine
  (/history) open, and POST /api/generate-playlist creates a playlist.

  The expected client id and redirect URI come from --client-id/--redirect-uri, else from
  SPOTIFY_CLIENT_ID/SPOTIPY_CLIENT_ID and SPOTIFY_REDIRECT_URI/SPOTIPY_REDIRECT_URI (e.g.
  --env-file .env.production), else (demo) the fake's client id and URL/callback.
  Run it from the release you deployed: it expects that release's latest migration.

Exit status: 0 when every step passed, 1 otherwise.`,

  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        'client-id': { type: 'string' },
        'redirect-uri': { type: 'string' },
        'authorize-url': { type: 'string' },
        demo: { type: 'boolean', default: false },
        'demo-user': { type: 'string' },
        concurrency: { type: 'string', default: '30' },
        'timeout-ms': { type: 'string', default: '15000' },
      },
      1,
    );
    const raw = positionals[0];
    if (!raw) throw new UsageError('say which deploy: mtm smoke https://your-app.example.com');
    let url: URL;
    try {
      url = new URL(raw);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new UsageError(`"${raw}" is not an http(s) URL`);
    }
    const base = url.origin + url.pathname.replace(/\/+$/, '');
    const concurrency = wholeNumber('--concurrency', values.concurrency, 1, 500);
    const timeoutMs = wholeNumber('--timeout-ms', values['timeout-ms'], 100, 600_000);
    const env = environmentWithFile(io.env, values['env-file'] ? { path: values['env-file'], required: true } : undefined);
    const fromEnv = (...names: string[]) => names.map((n) => env[n]?.trim()).find(Boolean);

    const [{ runSmoke }, { listMigrationNames }, { LOGIN_SCOPES }, { FAKE_CLIENT_ID }] = await Promise.all([
      import('../services/smoke.js'),
      import('../db/migrate.js'),
      import('../spotify/client.js'),
      import('../fake-spotify/server.js'),
    ]);
    // Demo: asked for, or the deploy's login leads to its own /demo-spotify/authorize.
    const demo = values.demo || (values['client-id'] === undefined && fromEnv('SPOTIFY_CLIENT_ID', 'SPOTIPY_CLIENT_ID') === undefined && (await leadsToDemo(base)));
    const accounts = fromEnv('SPOTIFY_ACCOUNTS_URL');
    const report = await runSmoke({
      url: base,
      fetch: globalThis.fetch,
      now: () => performance.now(),
      expect: {
        authorizeUrl: values['authorize-url'] ?? (demo ? `${base}/demo-spotify/authorize` : accounts ? `${accounts.replace(/\/+$/, '')}/authorize` : SPOTIFY_AUTHORIZE_URL),
        clientId: values['client-id'] ?? fromEnv('SPOTIFY_CLIENT_ID', 'SPOTIPY_CLIENT_ID') ?? (demo ? FAKE_CLIENT_ID : undefined),
        redirectUri: values['redirect-uri'] ?? fromEnv('SPOTIFY_REDIRECT_URI', 'SPOTIPY_REDIRECT_URI') ?? (demo ? `${base}/callback` : undefined),
        scopes: LOGIN_SCOPES,
        latestMigration: (await listMigrationNames()).at(-1)!,
      },
      demo: demo ? { user: values['demo-user'] } : undefined,
      concurrency,
      timeoutMs,
    });
    if (values.json) io.out(JSON.stringify(report));
    else print(io, report);
    return report.ok ? 0 : 1;
  },
};

/** Where an anonymous /login goes; quiet on errors (the login step reports them). */
async function leadsToDemo(base: string): Promise<boolean> {
  try {
    const response = await fetch(`${base}/login`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    const location = response.headers.get('location');
    return location !== null && new URL(location, base).href.startsWith(`${base}/demo-spotify/authorize`);
  } catch {
    return false;
  }
}

function wholeNumber(flag: string, raw: string | undefined, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw ?? '') || value < min || value > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function print(io: CliIo, report: SmokeReport): void {
  io.out(`smoke test of ${report.url}`);
  const width = Math.max(...report.steps.map((s) => s.title.length));
  for (const s of report.steps) io.out(`${s.ok ? '✓' : '✗'} ${s.title.padEnd(width)} ${`${Math.round(s.ms)} ms`.padStart(8)}  ${s.detail}`);
  const failed = report.steps.filter((s) => !s.ok).length;
  io.out(failed ? `${failed} of ${report.steps.length} steps FAILED (${report.requests.length} requests)` : `all ${report.steps.length} steps passed (${report.requests.length} requests)`);
}
