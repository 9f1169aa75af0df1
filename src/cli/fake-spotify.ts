import { parseCommandArgs, UsageError, type Command } from './command.js';

export const fakeSpotifyCommand: Command = {
  name: 'fake-spotify',
  summary: 'run the offline fake Spotify (accounts service + Web API) on 127.0.0.1',
  usage: `mtm fake-spotify [--port N] [--client-id ID] [--users N] [--redirect-uri URI]... [--allow-all]
                 [--extended-quota] [--rotating-refresh-tokens] [--rate-limit N/SECONDS] [--json]

  Serves an offline Spotify until Ctrl-C (SIGINT) or SIGTERM:
    accounts service  http://127.0.0.1:PORT/authorize, http://127.0.0.1:PORT/api/token
    Web API           http://127.0.0.1:PORT/v1/me, /v1/me/top/tracks, /v1/me/playlists,
                      /v1/playlists/{id}/items
  Listeners: the two demo listeners, plus --users N generated ones ("listener-1".."listener-N").
  Point the app at it with SPOTIFY_CLIENT_ID=<client id>, SPOTIFY_ACCOUNTS_URL=http://127.0.0.1:PORT
  and SPOTIFY_API_URL=http://127.0.0.1:PORT/v1.

  It behaves like Spotify in 2026 for an app in development mode: refresh tokens expire six
  months after the listener's consent and are not rotated; only registered redirect URIs are
  accepted; only the first 5 listeners are on the app's User Management list (the others get
  Spotify's plain-text 403 "User not registered in the Developer Dashboard"); track objects lack
  external_ids, available_markets and popularity.

  --port N                   port to listen on (default 0: any free port; the URL is printed)
  --client-id ID             the client id it accepts (default mtm-fake-client-id)
  --users N                  extra generated listeners (default 0)
  --redirect-uri URI         a registered redirect URI; repeat for more
                             (default http://127.0.0.1:3000/callback)
  --allow-all                no User Management list: every listener may use the Web API
  --extended-quota           an app with extended quota: no allowlist, full track objects
  --rotating-refresh-tokens  the pre-2026 behaviour: every refresh returns a new refresh token
  --rate-limit N/SECONDS     answer 429 (with Retry-After) beyond N Web API calls per SECONDS
  --json                     print one JSON line: {"url","accountsUrl","apiUrl","clientId","users","allowlist"}`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string', default: 'mtm-fake-client-id' },
      users: { type: 'string', default: '0' },
      'redirect-uri': { type: 'string', multiple: true },
      'allow-all': { type: 'boolean', default: false },
      'extended-quota': { type: 'boolean', default: false },
      'rotating-refresh-tokens': { type: 'boolean', default: false },
      'rate-limit': { type: 'string' },
    });
    const port = wholeNumber('--port', values.port, 65535);
    const extra = wholeNumber('--users', values.users, 10_000);
    const rateLimit = values['rate-limit'] === undefined ? undefined : parseRateLimit(values['rate-limit']);
    const { startFakeSpotify, DEMO_USERS, DEFAULT_REDIRECT_URIS, MAX_DEVELOPMENT_USERS, registrableRedirectUri } = await import('../fake-spotify/index.js');
    const listeners = [...DEMO_USERS, ...Array.from({ length: extra }, (_, i) => ({ id: `listener-${i + 1}`, display_name: `Listener ${i + 1}` }))];
    const extended = values['extended-quota'];
    const allowlist = values['allow-all'] || extended ? undefined : listeners.slice(0, MAX_DEVELOPMENT_USERS).map((u) => u.id);
    for (const uri of values['redirect-uri'] ?? []) {
      if (!registrableRedirectUri(uri)) throw new UsageError(`--redirect-uri "${uri}" cannot be registered: use HTTPS, or http://127.0.0.1:PORT/... (Spotify refuses localhost)`);
    }
    const fake = await startFakeSpotify({
      port,
      clientId: values['client-id'],
      users: listeners,
      redirectUris: values['redirect-uri'] ?? DEFAULT_REDIRECT_URIS,
      allowlist,
      quota: extended ? 'extended' : 'development',
      refreshTokens: values['rotating-refresh-tokens'] ? 'rotating' : '2026',
      rateLimit,
    });
    const users = fake.users().map((u) => ({ id: u.id, display_name: u.display_name }));
    if (values.json) {
      io.out(JSON.stringify({ url: fake.url, accountsUrl: fake.accountsUrl, apiUrl: fake.apiUrl, clientId: fake.clientId, users, allowlist: allowlist ?? null }));
    } else {
      io.out(`Fake Spotify listening at ${fake.url}`);
      io.out(`  accounts: ${fake.accountsUrl}/authorize, ${fake.accountsUrl}/api/token`);
      io.out(`  Web API:  ${fake.apiUrl}`);
      io.out(`  client id: ${fake.clientId}`);
      io.out(`  listeners: ${users.map((u) => `${u.display_name} (${u.id})`).join(', ')}`);
      io.out(`  User Management (development mode): ${allowlist ? allowlist.join(', ') : 'off, every listener allowed'}`);
      io.out('Press Ctrl-C to stop.');
    }
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await fake.stop();
    return 0;
  },
};

function wholeNumber(flag: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw ?? '') || value > max) throw new UsageError(`${flag} must be a whole number from 0 to ${max}, got "${raw}"`);
  return value;
}

function parseRateLimit(raw: string): { requests: number; windowSeconds: number } {
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new UsageError(`--rate-limit must look like 100/30 (calls per seconds), got "${raw}"`);
  return { requests: Number(match[1]), windowSeconds: Number(match[2]) };
}
