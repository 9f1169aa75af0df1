import { createSmokeClient, decodeHtml, isRedirect, type LoggedRequest, type SmokeClient, type SmokeResponse } from './smoke-client.js';

/**
 * The tutorial's post-deploy smoke test against a live URL, as a checklist: each step says what
 * it checked, how long it took, and (on failure) exactly what was wrong. Nothing here knows the
 * app's internals: it sees only what a browser and Spotify would see.
 */

export interface SmokeExpectations {
  /** Spotify's authorize endpoint the login must redirect to (demo: the app's /demo-spotify/authorize). */
  authorizeUrl: string;
  /** undefined: not known, and the login step says so. */
  clientId: string | undefined;
  redirectUri: string | undefined;
  scopes: readonly string[];
  /** The newest migration this release ships; /healthz must report it applied. */
  latestMigration: string;
}

export interface SmokeOptions {
  url: string;
  fetch: typeof fetch;
  now: () => number;
  expect: SmokeExpectations;
  /** Demo deployment: also log in through the fake, open the pages, make a playlist. */
  demo: { user: string | undefined } | undefined;
  concurrency: number;
  timeoutMs: number;
}

export interface SmokeStep {
  id: string;
  title: string;
  ok: boolean;
  /** What was seen (on success) or every way it was wrong (on failure). */
  detail: string;
  ms: number;
}

export interface SmokeReport {
  ok: boolean;
  url: string;
  steps: SmokeStep[];
  requests: LoggedRequest[];
}

/** Pages a logged-in demo visitor opens (the time machine is /history). */
export const DEMO_PAGES = ['/dashboard', '/analytics', '/search?q=a', '/history'];

export async function runSmoke(options: SmokeOptions): Promise<SmokeReport> {
  const client = createSmokeClient({ baseUrl: options.url, fetch: options.fetch, now: options.now, timeoutMs: options.timeoutMs });
  const steps: SmokeStep[] = [];
  const step = async (id: string, title: string, work: () => Promise<string>) => {
    const started = options.now();
    try {
      const detail = await work();
      steps.push({ id, title, ok: true, detail, ms: options.now() - started });
    } catch (error) {
      steps.push({ id, title, ok: false, detail: (error as Error).message, ms: options.now() - started });
    }
  };

  let home: SmokeResponse | undefined;
  await step('home', 'home page', async () => {
    home = await client.request('GET', '/', { withCookies: false });
    expectStatus(home, 200, 'GET /');
    if (!/^text\/html/.test(home.headers.get('content-type') ?? '')) throw new Error(`GET / answered ${home.headers.get('content-type') ?? 'no content type'}, expected text/html`);
    return `200 text/html, ${home.body.length} bytes`;
  });
  await step('healthz', '/healthz', () => checkHealth(client, options.expect.latestMigration));
  await step('login', 'login redirect', () => checkLoginRedirect(client, options.expect));
  await step('static', 'static assets', () => checkStatic(client, home));
  await step('headers', 'security headers', async () => checkHeaders(home, new URL(options.url).protocol === 'https:'));
  await step('concurrency', `${options.concurrency} concurrent requests`, () => checkConcurrency(client, options.concurrency));

  if (options.demo) {
    const session: { csrf?: string } = {};
    await step('demo_login', 'demo login through the fake Spotify', () => demoLogin(client, options.demo!.user));
    await step('demo_pages', 'dashboard, analytics, search, time machine', () => demoPages(client, session));
    await step('demo_playlist', 'create a playlist', () => demoPlaylist(client, session));
  }

  // Last: covers every request above, and the pages they led to.
  await step('no_5xx', 'no 5xx on any page visited', async () => {
    const bad = client.log.filter((r) => r.status !== null && r.status >= 500);
    if (bad.length) throw new Error(`${bad.length} answer(s) with a server error: ${bad.map((r) => `${r.method} ${r.path} -> ${r.status}`).join(', ')}`);
    return `${client.log.length} requests, none answered 5xx`;
  });

  return { ok: steps.every((s) => s.ok), url: options.url, steps, requests: client.log };
}

function expectStatus(response: SmokeResponse, status: number, what: string): void {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}, expected ${status}${snippet(response)}`);
}

function snippet(response: SmokeResponse): string {
  const text = response.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160);
  return text ? `: ${text}` : '';
}

async function checkHealth(client: SmokeClient, latest: string): Promise<string> {
  const response = await client.request('GET', '/healthz', { withCookies: false });
  let body: { status?: string; engine?: string; migrations?: { pending?: number; latest?: string | null } | null };
  try {
    body = JSON.parse(response.body);
  } catch {
    throw new Error(`GET /healthz answered ${response.status} with no JSON${snippet(response)}`);
  }
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`answered ${response.status} (status "${body.status}"), expected 200`);
  if (body.engine !== 'postgres') {
    problems.push(`engine is "${body.engine}", expected "postgres" (the deploy is not on PostgreSQL: is DATABASE_URL set on the service?)`);
  }
  if (body.migrations?.latest !== latest) problems.push(`latest migration is ${JSON.stringify(body.migrations?.latest ?? null)}, expected "${latest}" (run \`npx mtm db migrate\`)`);
  if ((body.migrations?.pending ?? 0) > 0) problems.push(`${body.migrations!.pending} migration(s) pending`);
  if (problems.length) throw new Error(`/healthz: ${problems.join('; ')}`);
  return `200, PostgreSQL, at ${latest}`;
}

async function checkLoginRedirect(client: SmokeClient, expected: SmokeExpectations): Promise<string> {
  // Without cookies: a fresh visitor. The demo login later starts its own.
  const response = await client.request('GET', '/login', { withCookies: false });
  if (!isRedirect(response.status)) throw new Error(`GET /login answered ${response.status}, expected a redirect to ${expected.authorizeUrl}${snippet(response)}`);
  const location = new URL(response.headers.get('location') ?? '', response.url);
  const problems: string[] = [];
  const target = `${location.origin}${location.pathname}`;
  if (target !== expected.authorizeUrl) problems.push(`redirects to ${target}, expected ${expected.authorizeUrl}`);
  const q = location.searchParams;
  if (q.get('response_type') !== 'code') problems.push(`response_type is ${JSON.stringify(q.get('response_type'))}, expected "code"`);
  if (expected.clientId === undefined) problems.push('no expected client id: pass --client-id (or set SPOTIFY_CLIENT_ID)');
  else if (q.get('client_id') !== expected.clientId) problems.push(`client_id is ${JSON.stringify(q.get('client_id'))}, expected "${expected.clientId}"`);
  if (expected.redirectUri === undefined) problems.push('no expected redirect URI: pass --redirect-uri (or set SPOTIFY_REDIRECT_URI)');
  else if (q.get('redirect_uri') !== expected.redirectUri) problems.push(`redirect_uri is ${JSON.stringify(q.get('redirect_uri'))}, expected "${expected.redirectUri}"`);
  const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
  const missing = expected.scopes.filter((s) => !scopes.includes(s));
  const extra = scopes.filter((s) => !expected.scopes.includes(s));
  if (missing.length || extra.length) {
    problems.push(`scope is "${scopes.join(' ')}"${missing.length ? `, missing ${missing.join(', ')}` : ''}${extra.length ? `, not expected ${extra.join(', ')}` : ''}`);
  }
  if (q.get('code_challenge_method') !== 'S256') problems.push(`code_challenge_method is ${JSON.stringify(q.get('code_challenge_method'))}, expected "S256"`);
  // A SHA-256 digest in base64url without padding is always 43 characters.
  if (!/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '')) problems.push(`code_challenge ${JSON.stringify(q.get('code_challenge'))} is not an S256 challenge (43 base64url characters)`);
  if (!q.get('state')) problems.push('no state parameter');
  if (problems.length) throw new Error(`/login: ${problems.join('; ')}`);
  return `${response.status} to ${target} with client_id ${expected.clientId}, redirect_uri ${expected.redirectUri}, scopes ${expected.scopes.join(' ')}, an S256 challenge and a state`;
}

async function checkStatic(client: SmokeClient, home: SmokeResponse | undefined): Promise<string> {
  if (!home || home.status !== 200) throw new Error('not checked: the home page did not load');
  const assets = [...new Set([...home.body.matchAll(/(?:href|src)="(\/static\/[^"?#]+)[^"]*"/g)].map((m) => decodeHtml(m[1]!)))];
  if (!assets.length) throw new Error('the home page links no /static/ asset');
  const failures: string[] = [];
  for (const asset of assets) {
    const response = await client.request('GET', asset, { withCookies: false });
    if (response.status !== 200) failures.push(`${asset} answered ${response.status}`);
    else if (response.body.length === 0) failures.push(`${asset} is empty`);
  }
  if (failures.length) throw new Error(failures.join('; '));
  return `${assets.length} loaded: ${assets.join(', ')}`;
}

function checkHeaders(home: SmokeResponse | undefined, https: boolean): string {
  if (!home) throw new Error('not checked: the home page did not load');
  const h = home.headers;
  const csp = h.get('content-security-policy');
  const missing: string[] = [];
  if (!csp) missing.push('Content-Security-Policy');
  if (h.get('x-content-type-options')?.toLowerCase() !== 'nosniff') missing.push('X-Content-Type-Options: nosniff');
  if (!/frame-ancestors/i.test(csp ?? '') && !/^(deny|sameorigin)$/i.test(h.get('x-frame-options') ?? '')) {
    missing.push('frame-ancestors (in the CSP) or X-Frame-Options');
  }
  if (!h.get('referrer-policy')) missing.push('Referrer-Policy');
  if (https && !/max-age=\d+/i.test(h.get('strict-transport-security') ?? '')) missing.push('Strict-Transport-Security (the site is on HTTPS)');
  if (missing.length) throw new Error(`GET / lacks ${missing.join(', ')}`);
  return `CSP, nosniff, framing, Referrer-Policy${https ? ', HSTS' : ''} present`;
}

async function checkConcurrency(client: SmokeClient, count: number): Promise<string> {
  // Half pages (templates, the database), half health checks, all at once, as anonymous visitors.
  const paths = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? '/' : '/healthz'));
  const results = await Promise.allSettled(paths.map((p) => client.request('GET', p, { withCookies: false })));
  const failures: string[] = [];
  const times: number[] = [];
  results.forEach((r, i) => {
    if (r.status === 'rejected') failures.push((r.reason as Error).message);
    else {
      times.push(r.value.ms);
      if (r.value.status !== 200) failures.push(`GET ${paths[i]} answered ${r.value.status}`);
    }
  });
  if (failures.length) throw new Error(`${failures.length} of ${count} failed: ${summarise(failures)}`);
  times.sort((a, b) => a - b);
  return `${count} of ${count} answered 200; median ${Math.round(times[Math.floor(times.length / 2)]!)} ms, slowest ${Math.round(times.at(-1)!)} ms`;
}

/** "x (3 times), y" instead of thirty identical lines. */
function summarise(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (${n} times)` : line)).join('; ');
}

async function demoLogin(client: SmokeClient, user: string | undefined): Promise<string> {
  const consent = await client.follow('GET', '/login');
  const consentPath = new URL(consent.url).pathname;
  if (consent.status !== 200 || !consentPath.endsWith('/demo-spotify/authorize')) {
    throw new Error(`GET /login led to ${consentPath} answering ${consent.status}, expected the demo consent page /demo-spotify/authorize (is this a demo deployment?)${snippet(consent)}`);
  }
  const forms = [...consent.body.matchAll(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({
    action: decodeHtml(m[1]!),
    fields: Object.fromEntries([...m[2]!.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].map((f) => [decodeHtml(f[1]!), decodeHtml(f[2]!)])),
  }));
  const listed = forms.filter((f) => f.fields.user !== undefined).map((f) => f.fields.user!);
  const chosen = user ? forms.find((f) => f.fields.user === user) : forms.find((f) => f.fields.user !== undefined);
  if (!chosen) {
    throw new Error(user ? `the consent page lists no user "${user}" (it lists: ${listed.join(', ') || 'none'})` : 'the consent page lists no user to log in as');
  }
  const approveUrl = new URL(chosen.action, consent.url);
  const landed = await client.follow('POST', approveUrl.href, {
    body: new URLSearchParams(chosen.fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const path = new URL(landed.url).pathname;
  if (landed.status !== 200 || path === '/callback' || path === '/login') {
    throw new Error(`approving as ${chosen.fields.user} ended on ${path} answering ${landed.status}, expected a logged-in page${snippet(landed)}`);
  }
  if (!client.hasCookies()) throw new Error(`approving as ${chosen.fields.user} set no session cookie`);
  return `logged in as ${chosen.fields.user}, landed on ${path}`;
}

async function demoPages(client: SmokeClient, session: { csrf?: string }): Promise<string> {
  const failures: string[] = [];
  const seen: string[] = [];
  for (const page of DEMO_PAGES) {
    const response = await client.request('GET', page);
    if (response.status !== 200) {
      const where = isRedirect(response.status) ? ` to ${response.headers.get('location')}` : '';
      failures.push(`GET ${page} answered ${response.status}${where}`);
      continue;
    }
    session.csrf ??= csrfToken(response.body);
    seen.push(`${page} ${Math.round(response.ms)} ms`);
  }
  if (failures.length) throw new Error(failures.join('; '));
  return seen.join(', ');
}

function csrfToken(html: string): string | undefined {
  const match = /<meta\s+name="csrf-token"\s+content="([^"]*)"/.exec(html);
  return match ? decodeHtml(match[1]!) : undefined;
}

interface PlaylistAnswer {
  playlist?: { id?: unknown; spotifyId?: unknown; name?: unknown; url?: unknown; trackCount?: unknown };
}

async function demoPlaylist(client: SmokeClient, session: { csrf?: string }): Promise<string> {
  if (!session.csrf) {
    // The pages may have failed; the home page of a logged-in visitor carries the token too.
    session.csrf = csrfToken((await client.request('GET', '/')).body);
  }
  if (!session.csrf) throw new Error('no <meta name="csrf-token"> on any logged-in page: cannot send a state-changing request');
  const response = await client.request('POST', '/api/generate-playlist', {
    body: JSON.stringify({ source: 'current_rotation' }),
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': session.csrf },
  });
  expectStatus(response, 201, 'POST /api/generate-playlist');
  let body: PlaylistAnswer;
  try {
    body = JSON.parse(response.body) as PlaylistAnswer;
  } catch {
    throw new Error('POST /api/generate-playlist answered 201 without JSON');
  }
  const p = body.playlist;
  const problems: string[] = [];
  if (!p) throw new Error(`POST /api/generate-playlist answered 201 without {playlist}: ${response.body.slice(0, 160)}`);
  if (typeof p.spotifyId !== 'string' || !p.spotifyId) problems.push('no spotifyId (Spotify did not hold it)');
  if (typeof p.trackCount !== 'number' || p.trackCount < 1) problems.push(`trackCount is ${JSON.stringify(p.trackCount)}, expected at least 1`);
  if (typeof p.url !== 'string' || (typeof p.spotifyId === 'string' && !p.url.includes(p.spotifyId))) problems.push(`url ${JSON.stringify(p.url)} does not point at playlist ${JSON.stringify(p.spotifyId)}`);
  if (problems.length) throw new Error(`the new playlist: ${problems.join('; ')}`);
  return `"${String(p.name)}": ${p.trackCount} tracks, Spotify id ${p.spotifyId}`;
}
