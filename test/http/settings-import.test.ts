import { mkdir, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { connect } from 'node:net';
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
import { corruptLastPage, dirtyLegacyData, legacyFixtureDir, writeLegacyFile } from '../support/legacy-fixture.js';

const fixture = legacyFixtureDir('mtm-upload-test-');
let corruptFile: string;
beforeAll(() => {
  corruptFile = join(fixture.dir, 'corrupt.db');
  writeLegacyFile(corruptFile, dirtyLegacyData());
  corruptLastPage(corruptFile);
});

/** A real multipart/form-data body, as a browser sends the form. */
const BOUNDARY = '----mtmTestBoundary7MA4YWxkTrZu0gW';
function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer }) {
  const boundary = BOUNDARY;
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
  let uploadRoot: string;
  const IDLE_MS = 400;
  const uploadsLeft = async () => (await readdir(uploadRoot).catch(() => [] as string[])).filter((n) => n.startsWith('mtm-upload-'));

  const cookieFrom = (response: LightMyRequestResponse, previous = '') => {
    const set = response.cookies.find((c) => c.name === 'mtm_session');
    return set ? `mtm_session=${encodeURIComponent(set.value)}` : previous;
  };

  beforeAll(async () => {
    fake = await startFakeSpotify({ users: [{ id: 'uma-upload', display_name: 'Uma Upload', account_id: 'accUma1' }] });
    uploadRoot = join(fixture.dir, `uploads-${database().engine}`);
    // What a crash left: an old upload folder (swept at start-up), a fresh one and someone else's file (kept).
    await mkdir(join(uploadRoot, 'mtm-upload-crashed'), { recursive: true });
    await utimes(join(uploadRoot, 'mtm-upload-crashed'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    await mkdir(join(uploadRoot, 'not-ours-upload'), { recursive: true });
    await utimes(join(uploadRoot, 'not-ours-upload'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    await mkdir(join(uploadRoot, 'mtm-upload-in-flight'), { recursive: true });
    deps = await createDeps(loadConfig({ NODE_ENV: 'test' }), {
      database: { ...database(), close: async () => {} },
      fakeSpotify: fake,
      limits: { uploadRoot, uploadIdleTimeoutMs: IDLE_MS },
    });
    app = await buildApp(deps);
    expect((await readdir(uploadRoot)).sort()).toEqual(['mtm-upload-in-flight', 'not-ours-upload']);
    await rm(join(uploadRoot, 'mtm-upload-in-flight'), { recursive: true });
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
    const token = decodeURIComponent(/action="\/settings\/import\?_csrf=([^"]+)"/.exec(page.body)![1]!);
    return { token, cookie: cookieFrom(page, cookie), body: page.body };
  }

  /** The form's post: the CSRF token in the action URL (checked before the body is read). */
  const upload = async (csrf: string | undefined, file: { name: string; content: Buffer } | undefined, withCookie: string) => {
    const { payload, headers } = multipart({}, file);
    const url = csrf === undefined ? '/settings/import' : `/settings/import?_csrf=${encodeURIComponent(csrf)}`;
    return app.inject({ method: 'POST', url, payload, headers: { ...headers, cookie: withCookie } });
  };

  it('needs a login: the page redirects, an anonymous upload is refused before it is stored', async () => {
    const page = await app.inject({ method: 'GET', url: '/settings/import' });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe('/login');
    const anonymous = await upload('x', { name: 'music_time_machine.db', content: await readFile(fixture.dirtyFile) }, '');
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).toContain('Log in with Spotify first.');
  });

  it('imports the uploaded file into the logged-in user\'s archive and lists every reject with its reason', async () => {
    const { token, cookie: c, body } = await form();
    expect(body).toContain('enctype="multipart/form-data"');
    const response = await upload(token, { name: 'music_time_machine.db', content: await readFile(fixture.dirtyFile) }, c);
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
    const again = await upload(token, { name: 'music_time_machine.db', content: await readFile(fixture.dirtyFile) }, c);
    expect(again.body).toContain('<tr><td>snapshots</td><td>78</td><td>0</td><td>63</td><td>15</td></tr>');
    expect(await countArchive(database().db, user.id)).toEqual(archive);
    // Uploads are deleted once answered.
    expect(await uploadsLeft()).toEqual([]);
  });

  it('refuses a missing CSRF token, a missing file, and files that are not a Music Time Machine archive', async () => {
    const { token, cookie: c } = await form();
    const content = await readFile(fixture.dirtyFile);
    const noCsrf = await upload(undefined, { name: 'music_time_machine.db', content }, c);
    expect(noCsrf.statusCode).toBe(403);

    const noFile = await upload(token, undefined, c);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.body).toContain('Choose your music_time_machine.db file to upload.');

    const text = await upload(token, { name: 'notes.txt', content: Buffer.from('just some notes') }, c);
    expect(text.statusCode).toBe(400);
    expect(text.body).toContain('is not an SQLite database (a Music Time Machine file is the app&#39;s music_time_machine.db)');

    const other = join(fixture.dir, `other-${database().engine}.db`);
    writeLegacyFile(other, { schema: 'CREATE TABLE tracks (track_id TEXT, name TEXT, artist_name TEXT, album_name TEXT, duration_ms INTEGER, spotify_url TEXT, raw_json TEXT);', tracks: [], snapshots: [] });
    const wrong = await upload(token, { name: 'other.db', content: await readFile(other) }, c);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('not a Music Time Machine file: table &quot;snapshots&quot; is missing');
  });

  it('refuses a file over the size limit with a pointer to the command line', async () => {
    const { token, cookie: c } = await form();
    const big = Buffer.alloc(64 * 1024 * 1024 + 1024, 1);
    const response = await upload(token, { name: 'huge.db', content: big }, c);
    expect(response.statusCode).toBe(413);
    expect(response.body).toContain('&quot;huge.db&quot; is larger than 64 MB. Import it from the command line instead');
    expect(response.body).toContain('<a href="/settings/import">Back to the import form</a>');
    expect(await uploadsLeft()).toEqual([]);
  }, 60_000);

  it('checks the session and the CSRF token before reading the body: nothing reaches the disk', async () => {
    const { token, cookie: c } = await form();
    const content = await readFile(fixture.dirtyFile);
    const forged = await upload('forged-token', { name: 'music_time_machine.db', content }, c);
    expect(forged.statusCode).toBe(403);
    // The token in the multipart body no longer counts: it is not read before the check.
    const { payload, headers } = multipart({ _csrf: token }, { name: 'music_time_machine.db', content });
    const inBody = await app.inject({ method: 'POST', url: '/settings/import', payload, headers: { ...headers, cookie: c } });
    expect(inBody.statusCode).toBe(403);
    // The x-csrf-token header (htmx, scripts) works.
    const header = await app.inject({ method: 'POST', url: '/settings/import', payload, headers: { ...headers, cookie: c, 'x-csrf-token': token } });
    expect(header.statusCode).toBe(200);
    expect(await readdir(uploadRoot)).toEqual(['not-ours-upload']);
  });

  it('answers every malformed body with a 400 naming the file (never a server path) and a link back to the form', async () => {
    const { token, cookie: c } = await form();
    const url = `/settings/import?_csrf=${encodeURIComponent(token)}`;
    const noBoundary = await app.inject({ method: 'POST', url, payload: 'whatever', headers: { 'content-type': 'multipart/form-data', cookie: c } });
    expect(noBoundary.statusCode).toBe(400);
    expect(noBoundary.body).toContain('The upload was not a file form this page understands');
    expect(noBoundary.body).toContain('<a href="/settings/import">Back to the import form</a>');

    const whole = multipart({}, { name: 'my archive.db', content: await readFile(fixture.dirtyFile) });
    const cut = whole.payload.subarray(0, 3000);
    const endsEarly = await app.inject({ method: 'POST', url, payload: cut, headers: { ...whole.headers, cookie: c } });
    expect(endsEarly.statusCode).toBe(400);
    expect(endsEarly.body).toContain('The upload of &quot;my archive.db&quot; ended before the whole file arrived.');

    const notMultipart = await app.inject({ method: 'POST', url, payload: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c } });
    expect(notMultipart.statusCode).toBe(400);
    expect(notMultipart.body).toContain('Choose your music_time_machine.db file to upload.');

    const fieldOnly = multipart({ note: 'no file here' });
    const noFile = await app.inject({ method: 'POST', url, payload: fieldOnly.payload, headers: { ...fieldOnly.headers, cookie: c } });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.body).toContain('Choose your music_time_machine.db file to upload.');

    for (const response of [noBoundary, endsEarly, notMultipart, noFile]) {
      expect(response.body).not.toContain(uploadRoot);
      expect(response.body).not.toContain(tmpdir());
    }
    expect(await uploadsLeft()).toEqual([]);
  });

  it('refuses a damaged SQLite file with a 400 naming it, and records no import run', async () => {
    const { token, cookie: c } = await form();
    const user = (await findUserBySpotifyId(database().db, 'uma-upload'))!;
    const runsBefore = await listImportRuns(database().db, user.id);
    const response = await upload(token, { name: 'old-laptop.db', content: await readFile(corruptFile) }, c);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('&quot;old-laptop.db&quot; is damaged (SQLite&#39;s check says: Tree 2 page 10: btreeInitPage() returns error code 11). Nothing was imported');
    expect(response.body).not.toContain(uploadRoot);
    expect(response.body).toContain('<a href="/settings/import">Back to the import form</a>');
    expect(await listImportRuns(database().db, user.id)).toEqual(runsBefore);
    expect(await uploadsLeft()).toEqual([]);
  });

  /** A raw HTTP request that sends its headers and the first part of a body, then waits. */
  async function rawUpload(address: string, withCookie: string, token: string, sent: Buffer, total: number) {
    const { port } = new URL(address);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /settings/import?_csrf=${encodeURIComponent(token)} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${withCookie}\r\n` +
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${total}\r\n\r\n`,
    );
    socket.write(sent);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    return { socket, closed, answer: () => answer };
  }

  async function until(check: () => Promise<boolean>) {
    for (let i = 0; i < 200 && !(await check()); i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(await check()).toBe(true);
  }

  it('removes the temp folder of an upload the client aborts, and answers a stalled body with 408', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const { token, cookie: c } = await form();
    const { payload } = multipart({}, { name: 'music_time_machine.db', content: await readFile(fixture.dirtyFile) });

    const aborted = await rawUpload(address, c, token, payload.subarray(0, 2000), payload.length);
    await until(async () => (await uploadsLeft()).length === 1);
    aborted.socket.destroy();
    await until(async () => (await uploadsLeft()).length === 0);

    const stalled = await rawUpload(address, c, token, payload.subarray(0, 2000), payload.length);
    await stalled.closed; // the server answers after IDLE_MS of silence and closes the connection
    expect(stalled.answer()).toMatch(/^HTTP\/1\.1 408 /);
    expect(stalled.answer()).toContain('The upload stalled: nothing arrived for 0 s. Please try again.');
    expect(await uploadsLeft()).toEqual([]);
  });
});
