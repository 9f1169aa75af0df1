import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/main.js';

/**
 * The demo (no configuration: embedded database, in-process fake Spotify, a seeded year of
 * history), driven by Chromium: log in as Alex Rivera, preview Forgotten Gems, create the
 * playlist, see its link in the flash and in the list; the fake then holds exactly the
 * previewed tracks in that order. Screenshots at 1280 and 390 px go to test-results/.
 * The server runs in this process so the test can read the fake's playlists.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = resolve(import.meta.dirname, '../../test-results');

if (!hasChromium && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} is missing: install it (apt-get install -y chromium); browser tests must run in CI.`);
}

describe.skipIf(!hasChromium)('playlists in the demo, in Chromium', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let folder: string | undefined;

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  }, 60_000);

  it('previews Forgotten Gems, creates the playlist, shows its Spotify link; the fake holds those tracks in order', async () => {
    folder = await mkdtemp(join(tmpdir(), 'mtm-e2e-playlists-'));
    server = await startServer(loadConfig({ PORT: String(await freePort()), DATA_DIR: join(folder, 'data'), LOG_LEVEL: 'silent' }), { handleSignals: false });
    await server.demoSeeded;
    const fake = server.deps.spotify.fake!;
    await mkdir(SHOTS, { recursive: true });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchForProblems(page);

    await page.goto(server.url);
    await page.getByRole('link', { name: 'Log in with Spotify' }).click();
    await page.getByRole('button', { name: 'Continue as Alex Rivera' }).click();
    await page.waitForURL(`${server.url}/`);

    await page.goto(`${server.url}/playlists`);
    expect(await page.locator('h1').textContent()).toBe('Playlists');
    await page.getByLabel('Tracks from').selectOption('forgotten_gems');
    await page.getByRole('button', { name: 'Preview tracks' }).click();
    await page.waitForURL(`${server.url}/playlists/preview`);
    const heading = await page.locator('#preview-heading').textContent();
    expect(heading).toMatch(/^Preview: Forgotten Gems – [A-Z][a-z]+ \d{4}$/);
    const previewed = await page.locator('.playlist-preview .track-list a').evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    expect(previewed.length).toBeGreaterThan(0);
    await shoot(page, 'playlists-preview');

    await page.getByRole('button', { name: 'Create this playlist' }).click();
    await page.waitForURL(`${server.url}/playlists`);
    const created = fake.playlists('mtm-demo-alex');
    expect(created).toHaveLength(1);
    expect(created[0]!.public).toBe(false);
    expect(created[0]!.name).toBe(heading!.replace('Preview: ', ''));
    // The fake holds exactly the previewed tracks, in the previewed order.
    expect(created[0]!.items).toEqual(previewed.map((href) => `spotify:track:${href.split('/').pop()}`));

    const flash = page.locator('.flash-success');
    expect(await flash.textContent()).toContain(`Created the private playlist "${created[0]!.name}" with ${previewed.length} tracks in your Spotify.`);
    expect(await flash.getByRole('link', { name: 'Open in Spotify' }).getAttribute('href')).toBe(`https://open.spotify.com/playlist/${created[0]!.id}`);
    expect(await page.locator('.playlist-table tbody tr').count()).toBe(1);
    expect(await page.locator('.playlist-table a').getAttribute('href')).toBe(`https://open.spotify.com/playlist/${created[0]!.id}`);
    await shoot(page, 'playlists-created');
    expect(problems).toEqual([]);

    // Spotify down: the form comes back with what happened, and nothing is added to the list.
    fake.faults.add({ path: '/v1/me/playlists', status: 503, times: 4 });
    const failed = page.waitForResponse((r) => r.url() === `${server!.url}/playlists` && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Create playlist' }).click();
    expect((await failed).status()).toBe(502);
    expect(await page.locator('.flash-error').textContent()).toBe(
      'The playlist was not created: Spotify is not answering (POST /me/playlists: HTTP 503 after 4 attempts). Please try again in a few minutes.',
    );
    expect(await page.locator('.playlist-table tbody tr').count()).toBe(1);
    expect(fake.playlists('mtm-demo-alex')).toHaveLength(1);
    await shoot(page, 'playlists-failed');
  }, 180_000);
});

/** The first screen and the full page, at desktop and phone width. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const [width, height] of [[1280, 900], [390, 844]] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`) });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}-full.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * Console errors and failed requests of the app's own pages. The favicon is left out: the
 * layout's owner adds it; until then Chromium's automatic /favicon.ico request is a 404.
 */
function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) problems.push(`${response.status()} ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`failed: ${request.url()}`));
  return problems;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}
