import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { startFakeSpotify, type FakeSpotify } from '../../src/fake-spotify/index.js';
import { findUserBySpotifyId } from '../../src/repositories/users.js';
import { seedDemoHistory } from '../../src/services/demo-seed.js';
import { createUser } from '../factories.js';
import { buildTestApp } from '../support/app.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import { addTestLogin } from '../support/insights-fixture.js';

/**
 * The insight pages in a real Chromium over the real app (PGlite, half a year of daily snapshots
 * from the fake Spotify's taste model): every page draws its SVG chart with no console error,
 * search-as-you-type shows results, and the empty state offers the first snapshot. Screenshots at
 * 1280 and 390 px go to test-results/screenshots/ for a person to look at.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = resolve(import.meta.dirname, '../../test-results/screenshots');

if (!hasChromium && process.env.CI === 'true') {
  throw new Error(`CI=true but ${CHROMIUM} is missing: install it (apt-get install -y chromium); browser tests must run in CI.`);
}

describe.skipIf(!hasChromium)('insight pages in Chromium', () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let deps: Deps;
  let fake: FakeSpotify;
  let browser: Browser;
  let url: string;
  let listenerId: number;
  let emptyId: number;

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    fake = await startFakeSpotify({ users: [{ id: 'e2e-listener', display_name: 'Robin Insight' }] });
    await seedDemoHistory(database.db, { listeners: fake.users(), topTracks: fake.topTrackObjects }, { today: '2026-06-30', days: 180 });
    listenerId = (await findUserBySpotifyId(database.db, 'e2e-listener'))!.id;
    emptyId = (await createUser(database.db)).id;
    ({ app, deps } = await buildTestApp(database));
    addTestLogin(app);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    await mkdir(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await deps?.close();
    await fake?.stop();
    await database?.close();
  }, 60_000);

  /** A page logged in as `userId` that records console errors and failed requests of our own origin. */
  async function pageAs(userId: number, width: number): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    // Album art points at i.scdn.co, unreachable here: answer it with nothing rather than fail.
    await context.route('https://i.scdn.co/**', (route) => route.fulfill({ status: 204, body: '' }));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/test-login/${userId}`);
    return { page, errors };
  }

  it('draws each page\'s SVG chart with its table, at 1280 and 390 px, with no console error', async () => {
    const { page: probe } = await pageAs(listenerId, 1280);
    await probe.goto(`${url}/history`);
    const trackHref = await probe.locator('.track-row a.track-name').first().getAttribute('href');
    expect(trackHref).toMatch(/^\/tracks\/[A-Za-z0-9]+$/);
    await probe.context().close();

    const pages = [
      { path: '/analytics', name: 'analytics', charts: 3 },
      { path: '/dashboard', name: 'dashboard', charts: 3 },
      { path: '/history', name: 'history', charts: 0 },
      { path: trackHref!, name: 'track', charts: 1 },
      { path: '/search?q=the', name: 'search', charts: 0 },
    ];
    for (const width of [1280, 390]) {
      const { page, errors } = await pageAs(listenerId, width);
      for (const p of pages) {
        const response = await page.goto(`${url}${p.path}`);
        expect([p.path, response?.status()]).toEqual([p.path, 200]);
        expect([p.path, await page.locator('.chart svg:visible').count()]).toEqual([p.path, p.charts]);
        if (p.charts > 0) expect(await page.locator('details table.numbers').count()).toBe(p.charts);
        if (p.name === 'history') expect(await page.locator('.track-row').count()).toBe(50);
        // Nothing wider than the window (no sideways scrolling on a phone).
        expect([p.path, width, await page.evaluate('document.documentElement.scrollWidth')]).toEqual([p.path, width, width]);
        await page.screenshot({ path: join(SHOTS, `${p.name}-${width}.png`), fullPage: true });
        await page.screenshot({ path: join(SHOTS, `${p.name}-${width}-first-screen.png`) });
      }
      expect(errors).toEqual([]);
      await page.context().close();
    }
  }, 120_000);

  it('shows results as the listener types, without reloading the page', async () => {
    const { page, errors } = await pageAs(listenerId, 1280);
    await page.goto(`${url}/search`);
    await page.evaluate('window.marker = "same page"');
    await page.locator('#search-q').pressSequentially('the', { delay: 50 });
    await page.locator('#search-results li.search-result').first().waitFor({ timeout: 10_000 });
    expect(await page.locator('#search-results mark').count()).toBeGreaterThan(0);
    expect(await page.evaluate('window.marker')).toBe('same page');
    expect(page.url()).toBe(`${url}/search?q=the`);
    await page.screenshot({ path: join(SHOTS, 'search-typed-1280.png') });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('offers the first snapshot on every insight page of an empty archive', async () => {
    const { page, errors } = await pageAs(emptyId, 390);
    for (const path of ['/analytics', '/dashboard', '/history']) {
      await page.goto(`${url}${path}`);
      expect([path, await page.getByRole('button', { name: 'Take your first snapshot' }).count()]).toEqual([path, 1]);
    }
    await page.screenshot({ path: join(SHOTS, 'empty-history-390.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
