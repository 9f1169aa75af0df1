import { startFakeSpotify } from '../fake-spotify/index.js';
import { DEMO_USERS, FAKE_CLIENT_ID } from '../fake-spotify/server.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

export const fakeSpotifyCommand: Command = {
  name: 'fake-spotify',
  summary: 'run the offline fake Spotify (accounts service + Web API) on 127.0.0.1',
  usage: `mtm fake-spotify [--port N] [--client-id ID] [--users N] [--json]

  Serves an offline Spotify until Ctrl-C (SIGINT) or SIGTERM:
    accounts service  http://127.0.0.1:PORT/authorize, http://127.0.0.1:PORT/api/token
    Web API           http://127.0.0.1:PORT/v1/me, /v1/me/top/tracks, /v1/me/playlists,
                      /v1/playlists/{id}/items
  Listeners: the two demo listeners, plus --users N generated ones ("listener-1".."listener-N").
  Point the app at it with SPOTIFY_CLIENT_ID=<client id>, SPOTIFY_ACCOUNTS_URL=http://127.0.0.1:PORT
  and SPOTIFY_API_URL=http://127.0.0.1:PORT/v1.

  --port N        port to listen on (default 0: any free port; the URL is printed)
  --client-id ID  the client id it accepts (default ${FAKE_CLIENT_ID})
  --users N       extra generated listeners (default 0)
  --json          print one JSON line: {"url","accountsUrl","apiUrl","clientId","users"}`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string', default: FAKE_CLIENT_ID },
      users: { type: 'string', default: '0' },
    });
    const port = wholeNumber('--port', values.port, 65535);
    const extra = wholeNumber('--users', values.users, 10_000);
    const fake = await startFakeSpotify({ port, clientId: values['client-id'], users: DEMO_USERS });
    if (extra > 0) fake.addUsers(extra);
    const users = fake.users().map((u) => ({ id: u.id, display_name: u.display_name }));
    if (values.json) {
      io.out(JSON.stringify({ url: fake.url, accountsUrl: fake.accountsUrl, apiUrl: fake.apiUrl, clientId: fake.clientId, users }));
    } else {
      io.out(`Fake Spotify listening at ${fake.url}`);
      io.out(`  accounts: ${fake.accountsUrl}/authorize, ${fake.accountsUrl}/api/token`);
      io.out(`  Web API:  ${fake.apiUrl}`);
      io.out(`  client id: ${fake.clientId}`);
      io.out(`  listeners: ${users.map((u) => `${u.display_name} (${u.id})`).join(', ')}`);
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
