import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * `npm start` with no configuration at all (an empty folder: no .env, no SPOTIFY_*, no
 * DATABASE_URL), driven by a real browser: the home page offers "Log in with Spotify", and the
 * demo login through the in-process fake Spotify lands on a page with the demo listener's name.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ROOT = resolve(import.meta.dirname, '../..');

if (!hasChromium && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} is missing: install it (apt-get install -y chromium); browser tests must run in CI.`);
}
if (!hasChromium) console.warn(`[e2e] skipping the browser test: ${CHROMIUM} not found (apt-get install -y chromium). It is required when CI=true.`);

describe.skipIf(!hasChromium)('npm start with no configuration (demo mode) in Chromium', () => {
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let folder: string | undefined;

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((done) => child!.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    if (folder) await rm(folder, { recursive: true, force: true });
  }, 60_000);

  it('offers "Log in with Spotify" and the demo login lands on a page with the demo user\'s name', async () => {
    folder = await mkdtemp(join(tmpdir(), 'mtm-e2e-'));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) };
    // What `npm start` runs (tsx src/main.ts), started in an empty folder so nothing is configured.
    child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'src/main.ts')], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await waitForStart(child);
    expect(url).toBe(`http://127.0.0.1:${port}`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage();
    await page.goto(url);
    await expect(page.getByRole('link', { name: 'Log in with Spotify' }).count()).resolves.toBe(1);
    expect(await page.locator('.demo-banner').textContent()).toContain('Demo mode');

    await page.getByRole('link', { name: 'Log in with Spotify' }).click();
    await page.waitForURL(`${url}/demo-spotify/authorize?**`);
    expect(await page.locator('h1').textContent()).toBe('Log in to the fake Spotify');
    await page.getByRole('button', { name: 'Continue as Alex Rivera' }).click();

    await page.waitForURL(`${url}/`);
    expect(await page.locator('h1').textContent()).toBe('Welcome, Alex Rivera');
    expect(await page.locator('.site-header .user-name').textContent()).toBe('Alex Rivera');
    expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(1);
  }, 180_000);
});

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Resolves with the URL the app prints once it listens; rejects if it exits first. */
function waitForStart(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Music Time Machine is running at (http:\/\/\S+)/.exec(output);
      if (match) done(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`the app exited with code ${code} before listening:\n${output.slice(-2000)}`)));
  });
}
