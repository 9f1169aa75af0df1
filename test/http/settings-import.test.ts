import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDeps, type Deps } from '../../src/deps.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { countArchive } from '../../src/repositories/snapshots.js';
import { listImportRuns } from '../../src/repositories/import-runs.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { describeEachEngine } from '../support/databases.js';
import { dirtyLegacyData, writeLegacyFile } from '../support/legacy-fixture.js';

let dir: string;
let dirtyFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtm-upload-test-'));
  dirtyFile = join(dir, 'music_time_machine.db');
  writeLegacyFile(dirtyFile, dirtyLegacyData());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A real multipart/form-data body, as a browser sends the form. */
function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer }) {
  const boundary = '----mtmTestBoundary7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file.content, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describeEachEngine('legacy import by upload at /settings/import', ({ database }) => {
  let fake: FakeSpotify;
  let deps: Deps;
  let app: FastifyInstance;
  let cookie = '';

  const cookieFrom = (response: LightMyRequestResponse, previous = '') => {
    const set = response.cookies.find((c) => c.name === 'mtm_session');
    return set ? `mtm_session=${encodeURIComponent(set.value)}` : previous;
  };

  beforeAll(async () => {
    fake = await startFakeSpotify({ users: [{ id: 'uma-upload', display_name: 'Uma Upload', account_id: 'accUma1' }] });
    deps = await createDeps(loadConfig({ NODE_ENV: 'test' }), { database: { ...database(), close: async () => {} }, fakeSpotify: fake });
    app = await buildApp(deps);
    // Log in through the app-served consent page of the fake Spotify.
    const login = await app.inject({ method: 'GET', url: '/login' });
    const authorize = new URL(login.headers.location as string);
    const consent = await app.inject({ method: 'GET', url: `${authorize.pathname}${authorize.search}` });
    const hidden = Object.fromEntries(
      [...consent.body.matchAll(/name="(redirect_uri|state|code_challenge|scope)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))]),
    );
    const approved = await app.inject({
      method: 'POST',
      url: '/demo-spotify/authorize/approve',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...hidden, user: 'uma-upload' }).toString(),
    });
    const callback = new URL(approved.headers.location as string);
    const done = await app.inject({ method: 'GET', url: `${callback.pathname}${callback.search}`, headers: { cookie: cookieFrom(login) } });
    expect(done.statusCode).toBe(302);
    cookie = cookieFrom(done);
  });
  afterAll(async () => {
    await app.close();
    await deps.close();
    await fake.stop();
  });

  async function form() {
    const page = await app.inject({ method: 'GET', url: '/settings/import', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { token, cookie: cookieFrom(page, cookie), body: page.body };
  }

  const upload = async (fields: Record<string, string>, file: { name: string; content: Buffer } | undefined, withCookie: string) => {
    const { payload, headers } = multipart(fields, file);
    return app.inject({ method: 'POST', url: '/settings/import', payload, headers: { ...headers, cookie: withCookie } });
  };

  it('needs a login: the page redirects, an anonymous upload is refused before it is stored', async () => {
    const page = await app.inject({ method: 'GET', url: '/settings/import' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login');
    const anonymous = await upload({ _csrf: 'x' }, { name: 'music_time_machine.db', content: await readFile(dirtyFile) }, '');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).toContain('Log in with Spotify first.');
  });

  it('imports the uploaded file into the logged-in user\'s archive and lists every reject with its reason', async () => {
    const { token, cookie: c, body } = await form();
    expect(body).toContain('enctype="multipart/form-data"');
    const response = await upload({ _csrf: token }, { name: 'music_time_machine.db', content: await readFile(dirtyFile) }, c);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Imported <strong>music_time_machine.db</strong> into your archive');
    expect(response.body).toContain('<tr><td>tracks</td><td>74</td><td>68</td><td>0</td><td>6</td></tr>');
    expect(response.body).toContain('<tr><td>snapshots</td><td>78</td><td>63</td><td>0</td><td>15</td></tr>');
    expect(response.body).toContain('Rows not imported as they were (26)');
    expect(response.body).toContain('track_missing');
    expect(response.body).toContain('raw_json_nul_escape (track kept)');

    const user = (await findUserBySpotifyId(database().db, 'uma-upload'))!;
    const archive = await countArchive(database().db, user.id);
    expect(archive.snapshotRows).toBeGreaterThanOrEqual(63);
    const runs = await listImportRuns(database().db, user.id);
    expect(runs.map((r) => [r.status, r.source_name])).toEqual([['succeeded', 'music_time_machine.db']]);

    // The same file again changes nothing.
    const again = await upload({ _csrf: token }, { name: 'music_time_machine.db', content: await readFile(dirtyFile) }, c);
    expect(again.body).toContain('<tr><td>snapshots</td><td>78</td><td>0</td><td>63</td><td>15</td></tr>');
    expect(await countArchive(database().db, user.id)).toEqual(archive);
    // Uploads are deleted once answered.
    expect((await readdir(tmpdir())).filter((n) => n.startsWith('mtm-upload-') && !n.startsWith('mtm-upload-test-'))).toEqual([]);
  });

  it('refuses a missing CSRF token, a missing file, and files that are not a Music Time Machine archive', async () => {
    const { token, cookie: c } = await form();
    const content = await readFile(dirtyFile);
    const noCsrf = await upload({}, { name: 'music_time_machine.db', content }, c);
    expect(noCsrf.statusCode).toBe(403);

    const noFile = await upload({ _csrf: token }, undefined, c);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.body).toContain('Choose your music_time_machine.db file to upload.');

    const text = await upload({ _csrf: token }, { name: 'notes.txt', content: Buffer.from('just some notes') }, c);
    expect(text.statusCode).toBe(400);
    expect(text.body).toContain('is not an SQLite database (a Music Time Machine file is the app&#39;s music_time_machine.db)');

    const other = join(dir, `other-${database().engine}.db`);
    writeLegacyFile(other, { schema: 'CREATE TABLE tracks (track_id TEXT, name TEXT, artist_name TEXT, album_name TEXT, duration_ms INTEGER, spotify_url TEXT, raw_json TEXT);', tracks: [], snapshots: [] });
    const wrong = await upload({ _csrf: token }, { name: 'other.db', content: await readFile(other) }, c);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('not a Music Time Machine file: table &quot;snapshots&quot; is missing');
  });

  it('refuses a file over the size limit with a pointer to the command line', async () => {
    const { token, cookie: c } = await form();
    const big = Buffer.alloc(64 * 1024 * 1024 + 1024, 1);
    const response = await upload({ _csrf: token }, { name: 'huge.db', content: big }, c);
    expect(response.statusCode).toBe(413);
    expect(response.body).toContain('The file is larger than 64 MB. Import it from the command line instead');
  }, 60_000);
});
