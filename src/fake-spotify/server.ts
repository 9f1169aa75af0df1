import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../lib/clock.js';
import { createAccounts } from './accounts.js';
import { createAllowlist } from './development-mode.js';
import { createRateLimit } from './rate-limit.js';
import { buildCatalogue, type Catalogue } from './catalogue.js';
import type { FakeContext } from './context.js';
import { createFaults, faultAnswer } from './faults.js';
import { HttpAnswer, matchRoute, parseRequestBody, readBody, writeAnswer, type Answer, type FakeRequest } from './http.js';
import { buildTaste } from './taste.js';
import type { FakeSpotify, FakeSpotifyOptions, FakeUser, FakeUserInput, LoggedRequest } from './types.js';
import { createWebApi } from './web-api.js';

export type { FakeSpotify, FakeSpotifyOptions, FakeUserInput, FakeUser, FaultRule, LoggedRequest, FakePlaylist, TokenSet } from './types.js';

/**
 * An offline Spotify as it behaves in 2026: the accounts service (accounts.ts) and the Web API
 * calls the app makes (web-api.ts), with development mode's allowlist (development-mode.ts), the
 * per-app rate limit (rate-limit.ts), fault injection (faults.ts) and a request log, on one HTTP
 * server: accounts at `url`, the API at `url`/v1. This file wires them together and owns the server.
 */

export const FAKE_CLIENT_ID = 'mtm-fake-client-id';
export const DEMO_USERS: readonly FakeUserInput[] = [
  { id: 'mtm-demo-alex', display_name: 'Alex Rivera', account_id: 'demoAcct0001' },
  { id: 'mtm-demo-sam', display_name: 'Sam Okafor', account_id: 'demoAcct0002' },
];

export async function startFakeSpotify(options: FakeSpotifyOptions = {}): Promise<FakeSpotify> {
  const clock = options.clock ?? systemClock;
  const catalogue = options.catalogue ?? sharedCatalogue();
  let url = '';
  const ctx: FakeContext = {
    options,
    clock,
    clientId: options.clientId ?? FAKE_CLIENT_ID,
    catalogue,
    users: new Map(),
    now: () => clock.now().getTime(),
    url: () => url,
  };
  const accounts = createAccounts(ctx);
  const allowlist = createAllowlist(options.allowlist);
  const rateLimit = createRateLimit(options.rateLimit);
  const webApi = createWebApi(ctx, accounts, allowlist);
  const routes = [...accounts.routes, ...webApi.routes];
  const faults = createFaults();
  const requests: LoggedRequest[] = [];

  function addUser(input: FakeUserInput): FakeUser {
    const user: FakeUser = {
      id: input.id,
      display_name: input.display_name,
      account_id: input.account_id ?? `acct-${input.id}`,
      topTrackCount: input.topTrackCount ?? 50,
      localFiles: input.localFiles ?? 0,
      taste: buildTaste(catalogue, input.tasteSeed ?? input.id),
    };
    ctx.users.set(user.id, user);
    return user;
  }
  for (const user of options.users ?? DEMO_USERS) addUser(user);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parsed = new URL(req.url ?? '/', 'http://fake.invalid');
    const rawBody = await readBody(req);
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: parsed.searchParams,
      body: undefined,
      contentType: (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
      headers: req.headers,
      params: [],
    };
    let badBody: HttpAnswer | undefined;
    try {
      request.body = parseRequestBody(req.headers['content-type'], rawBody);
    } catch (error) {
      request.body = rawBody;
      badBody = error instanceof HttpAnswer ? error : undefined;
    }
    const user = accounts.identify(request);
    const entry: LoggedRequest = {
      method: request.method,
      path: request.path,
      query: Object.fromEntries(parsed.searchParams),
      user,
      headers: { ...req.headers },
      body: request.body,
      status: 0,
      at: clock.now(),
    };
    requests.push(entry);

    const fault = faults.take(request.method, request.path, user);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault && fault.body !== undefined) {
      // A raw body (e.g. malformed JSON) is sent as it is.
      entry.status = fault.status ?? 200;
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      res.writeHead(entry.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(fault.body);
      return;
    }
    const answer = fault && fault.status !== undefined ? faultAnswer(fault, request.path) : route(request, badBody);
    entry.status = writeAnswer(res, answer);
  }

  function route(request: FakeRequest, badBody: HttpAnswer | undefined): Answer {
    try {
      if (badBody) throw badBody;
      if (request.path.startsWith('/v1/')) rateLimit.take(ctx.now());
      const match = matchRoute(routes, request.method, request.path);
      if (match) return match.route.handle({ ...request, params: match.params });
      // Spotify checks the token before it looks the path up.
      if (request.path.startsWith('/v1/')) webApi.authenticate(request);
      return new HttpAnswer(404, { error: { status: 404, message: 'Service not found' } });
    } catch (error) {
      if (error instanceof HttpAnswer) return error;
      return new HttpAnswer(500, { error: { status: 500, message: 'Fake Spotify failed' } });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { status: 500, message: 'Fake Spotify failed' } }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    accountsUrl: url,
    apiUrl: `${url}/v1`,
    clientId: ctx.clientId,
    catalogue,
    requests,
    faults: { add: faults.add, clear: faults.clear },
    addUser,
    addUsers: (count, prefix = 'listener') => Array.from({ length: count }, (_, i) => addUser({ id: `${prefix}-${i + 1}`, display_name: `Listener ${i + 1}` })),
    users: () => [...ctx.users.values()],
    issueTokens: accounts.issueTokens,
    registerRedirectUri: accounts.registerRedirectUri,
    allowUser: allowlist.add,
    expireAccessTokens: accounts.expireAccessTokens,
    revokeTokens: accounts.revokeTokens,
    topTrackObjects: webApi.topTrackObjects,
    playlists: webApi.playlists,
    clearRequests: () => void requests.splice(0),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let catalogueCache: Catalogue | undefined;
/** The default catalogue is built once per process (about 3,000 tracks). */
export function sharedCatalogue(): Catalogue {
  return (catalogueCache ??= buildCatalogue());
}
