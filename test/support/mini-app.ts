import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A tiny stand-in for a deployed app, written to the contract `mtm smoke` checks (pages,
 * /healthz, /login, static files, headers, and the demo flow: consent form, /callback, pages with
 * a CSRF meta tag, POST /api/generate-playlist). Each test breaks one thing through `faults`.
 */
export interface MiniAppFaults {
  /** Paths answered 500. */
  fail500?: string[];
  clientId?: string;
  /** Response headers GET / leaves out (lower case). */
  dropHeaders?: string[];
  engine?: string;
  /** trackCount the playlist API reports (default 50). */
  playlistTrackCount?: number;
}

export interface MiniApp {
  url: string;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  stop(): Promise<void>;
}

export const MINI_CLIENT_ID = 'mini-client-id';
const CSRF = 'mini-csrf-token';
const SESSION = 'mini_session';

export async function startMiniApp(options: { demo: boolean; latestMigration: string; faults?: MiniAppFaults }): Promise<MiniApp> {
  const faults = options.faults ?? {};
  const seen: string[] = [];
  let url = '';
  const securityHeaders: Record<string, string> = {
    'content-security-policy': "default-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  for (const name of faults.dropHeaders ?? []) delete securityHeaders[name];

  const html = (res: ServerResponse, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra });
    res.end(`<!doctype html><html><head><meta name="csrf-token" content="${CSRF}"><link rel="stylesheet" href="/static/app.css"></head><body>${body}</body></html>`);
  };
  const redirect = (res: ServerResponse, location: string, extra: Record<string, string> = {}) => {
    res.writeHead(302, { location, ...extra });
    res.end();
  };
  const loggedIn = (req: IncomingMessage) => (req.headers.cookie ?? '').includes(`${SESSION}=alex`);

  const server = createServer(async (req, res) => {
    const target = new URL(req.url ?? '/', url);
    const path = target.pathname;
    seen.push(`${req.method} ${path}`);
    let body = '';
    for await (const chunk of req) body += chunk;
    if (faults.fail500?.includes(path)) {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<h1>Something went wrong</h1>');
      return;
    }
    if (req.method === 'GET' && path === '/') return html(res, '<h1>Home</h1>', securityHeaders);
    if (req.method === 'GET' && path === '/static/app.css') {
      res.writeHead(200, { 'content-type': 'text/css' });
      res.end('body { margin: 0 }');
      return;
    }
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', database: 'ok', engine: faults.engine ?? 'postgres', migrations: { applied: 3, pending: 0, latest: options.latestMigration } }));
      return;
    }
    if (req.method === 'GET' && path === '/login') {
      const authorize = options.demo ? `${url}/demo-spotify/authorize` : 'https://accounts.spotify.com/authorize';
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: faults.clientId ?? (options.demo ? 'mtm-fake-client-id' : MINI_CLIENT_ID),
        redirect_uri: `${url}/callback`,
        scope: 'user-top-read playlist-modify-private',
        code_challenge_method: 'S256',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        state: 'mini-state',
      });
      return redirect(res, `${authorize}?${query}`, { 'set-cookie': `${SESSION}=pending; Path=/; HttpOnly` });
    }
    if (options.demo && req.method === 'GET' && path === '/demo-spotify/authorize') {
      const hidden = `<input type="hidden" name="redirect_uri" value="${target.searchParams.get('redirect_uri')}"><input type="hidden" name="state" value="mini-state">`;
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<form method="post" action="authorize/approve">${hidden}<input type="hidden" name="user" value="alex"><button>Continue as Alex</button></form>` +
          `<form method="post" action="authorize/approve">${hidden}<input type="hidden" name="deny" value="1"><button>Cancel</button></form>`,
      );
      return;
    }
    if (options.demo && req.method === 'POST' && path === '/demo-spotify/authorize/approve') {
      const form = new URLSearchParams(body);
      return redirect(res, `${form.get('redirect_uri')}?code=c-${form.get('user')}&state=${form.get('state')}`);
    }
    if (options.demo && req.method === 'GET' && path === '/callback') {
      const user = target.searchParams.get('code')?.replace(/^c-/, '') ?? '';
      return redirect(res, '/', { 'set-cookie': `${SESSION}=${user}; Path=/; HttpOnly` });
    }
    if (options.demo && req.method === 'GET' && ['/dashboard', '/analytics', '/search', '/history'].includes(path)) {
      if (!loggedIn(req)) return redirect(res, '/login');
      return html(res, `<h1>${path}</h1>`);
    }
    if (options.demo && req.method === 'POST' && path === '/api/generate-playlist') {
      if (!loggedIn(req) || req.headers['x-csrf-token'] !== CSRF) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'csrf', message: 'Invalid CSRF token' } }));
        return;
      }
      const trackCount = faults.playlistTrackCount ?? 50;
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ playlist: { id: 1, spotifyId: 'pl123', name: 'Current Rotation', url: 'https://open.spotify.com/playlist/pl123', trackCount } }));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>Not found</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
