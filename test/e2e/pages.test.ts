import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServer } from '../support/demo-server.js';

/**
 * Every page in a real browser (Debian's Chromium), on the demo as `npm start` serves it:
 * no console error and no failed request anywhere (favicon included), the charts are SVG drawn
 * on the server, the header stays on one line on a 390 px phone, and delete-all empties the
 * pages. Screenshots of every page at 1280 and 390 px go to test-results/ (look at them).
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SHOTS = resolve(import.meta.dirname, '../../test-results/pages');

if (!hasChromium && process.env.CI === 'true') throw new Error(`CI=true but ${CHROMIUM} is missing: browser tests must run in CI.`);
if (!hasChromium) console.warn(`[e2e] skipping the page tests: ${CHROMIUM} not found (apt-get install -y chromium).`);

/** The nav's pages; the insight pages are built in parallel and may not be registered yet. */
const NAV = [
  { href: '/', name: 'home', label: 'Home' },
  { href: '/analytics', name: 'analytics', label: 'Analytics' },
  { href: '/dashboard', name: 'dashboard', label: 'Dashboard' },
  { href: '/history', name: 'history', label: 'Time machine' },
  { href: '/search', name: 'search', label: 'Search' },
  { href: '/playlists', name: 'playlists', label: 'Playlists' },
  { href: '/snapshot', name: 'snapshot', label: 'Snapshots' },
  { href: '/settings', name: 'settings', label: 'Settings' },
];
const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];

describe.skipIf(!hasChromium)('every page in Chromium (demo mode)', () => {
  let server: Awaited<ReturnType<typeof startDemoServer>>;
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    server = await startDemoServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 60_000);

  /**
   * A page that records every console error and every failed or 4xx/5xx request (a Content
   * Security Policy violation is a console error).
   */
  async function watchedPage(context: BrowserContext) {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // The app's own requests only: the demo's album art points at Spotify's CDN, which this
    // offline machine cannot reach (reported to the lead; not a fault of the page).
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(server.url)) problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    return { page, problems };
  }

  async function logIn(page: Page, who: string) {
    await page.goto(`${server.url}/login`);
    await page.getByRole('button', { name: `Continue as ${who}` }).click();
    await page.waitForURL(`${server.url}/**`);
  }

  /** The route answers at all (the insight pages may not be registered yet on this branch). */
  function registered(href: string): boolean {
    return server.app.hasRoute({ method: 'GET', url: href });
  }

  async function shoot(page: Page, name: string) {
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: `${SHOTS}/${name}-${viewport.width}.png`, fullPage: true });
    }
    await page.setViewportSize(VIEWPORTS[0]!);
  }

  it('the landing page for visitors, then the demo login, then every nav page without a console error or a failed request', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS[0] });
    const { page, problems } = await watchedPage(context);
    const landing = await page.goto(server.url);
    // The app's own Content-Security-Policy (no inline script, no <style>): a violation is a console error below.
    expect(landing!.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(await page.locator('h1').textContent()).toBe('Your Spotify top tracks, kept for years');
    expect(await page.locator('.hero .chart-svg svg.chart-wide').count()).toBe(1);
    await shoot(page, 'landing');

    await page.getByRole('link', { name: 'Log in with Spotify' }).click();
    await page.getByRole('button', { name: 'Continue as Alex Rivera' }).click();
    await page.waitForURL(`${server.url}/`);
    expect(await page.locator('h1').textContent()).toBe('Welcome, Alex Rivera');
    expect(problems).toEqual([]);

    const hrefs = await page.locator('.main-nav a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(NAV.map((n) => n.href));
    const missing: string[] = [];
    for (const nav of NAV) {
      problems.length = 0;
      const response = await page.goto(`${server.url}${nav.href}`);
      if (!registered(nav.href)) {
        // Built in parallel: until it lands it is a 404 page in the layout (the only accepted problem).
        expect([nav.href, response!.status()]).toEqual([nav.href, 404]);
        missing.push(nav.href);
        continue;
      }
      expect([nav.href, response!.status()]).toEqual([nav.href, 200]);
      await page.waitForLoadState('load');
      expect([nav.href, problems]).toEqual([nav.href, []]);
      expect(await page.locator(`.main-nav a[aria-current="page"]`).textContent()).toBe(nav.label);
      await shoot(page, nav.name);
    }
    for (const [url, name] of [['/settings/import', 'settings-import'], ['/about/demo', 'about-demo']] as const) {
      problems.length = 0;
      expect([url, (await page.goto(`${server.url}${url}`))!.status()]).toEqual([url, 200]);
      expect([url, problems]).toEqual([url, []]);
      await shoot(page, name);
    }
    if (missing.length) console.warn(`[e2e] not registered yet (404 accepted): ${missing.join(', ')}`);

    // Home's discovery timeline is an SVG drawn on the server, with its rows in a table.
    await page.goto(server.url);
    expect(await page.locator('#discovery-timeline .chart-svg svg.chart-wide').count()).toBe(1);
    expect(await page.locator('#discovery-timeline table tbody tr').count()).toBeGreaterThan(300);
    // The favicon was asked for and served (an SVG), and /favicon.ico does not 404 either.
    const icon = await page.request.get(`${server.url}/favicon.ico`);
    expect([icon.status(), icon.headers()['content-type']]).toEqual([200, 'image/svg+xml']);
    await context.close();
  }, 180_000);

  it('on a 390 px phone the header and the demo banner stay on one line, and the menu opens the pages', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS[1] });
    const { page, problems } = await watchedPage(context);
    await logIn(page, 'Alex Rivera');
    const header = await page.locator('.site-header').evaluate((el) => ({
      height: el.getBoundingClientRect().height,
      overflows: el.scrollWidth > el.clientWidth,
      tops: [...el.children].filter((c) => c.getClientRects().length > 0).map((c) => Math.round(c.getBoundingClientRect().top + c.getBoundingClientRect().height / 2)),
    }));
    expect(header.overflows).toBe(false);
    expect(header.height).toBeLessThanOrEqual(80); // one row of 44 px targets plus padding
    // Every visible item of the header sits on the same line (same vertical centre).
    expect(new Set(header.tops).size).toBe(1);
    const banner = await page.locator('.demo-banner').evaluate((el) => ({ height: el.getBoundingClientRect().height, cut: el.scrollWidth > el.clientWidth }));
    expect(banner.cut).toBe(false);
    expect(banner.height).toBeLessThanOrEqual(32);
    // Tap targets: the menu button and every menu link at least 44 px tall.
    await page.locator('.menu > summary').click();
    const heights = await page.locator('.menu-panel nav a').evaluateAll((links) => links.map((a) => a.getBoundingClientRect().height));
    expect(heights).toHaveLength(8);
    for (const h of heights) expect(h).toBeGreaterThanOrEqual(44);
    await page.screenshot({ path: `${SHOTS}/menu-open-390.png` });
    await page.locator('.menu-panel nav a', { hasText: 'Settings' }).click();
    await page.waitForURL(`${server.url}/settings`);
    expect(await page.locator('h1').textContent()).toBe('Settings');
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('delete all my data empties the pages; a failed first snapshot says so', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS[0] });
    const { page, problems } = await watchedPage(context);
    await logIn(page, 'Sam Okafor');
    expect(await page.locator('#card-tracks .figure').textContent()).not.toBe('0');
    await page.goto(`${server.url}/settings`);
    await shoot(page, 'settings-before-delete');
    await page.getByLabel('Type delete my data to confirm').fill('delete my data');
    await page.getByRole('button', { name: 'Delete all my data' }).click();
    await page.waitForURL(`${server.url}/`);
    expect(await page.locator('.flash').textContent()).toContain('All your data is deleted');
    expect(await page.getByRole('link', { name: 'Log in with Spotify' }).count()).toBe(1);
    await shoot(page, 'after-delete');

    // Spotify is down for the next login: its first capture fails, so the archive stays empty.
    const fake = server.deps.spotify.fake!;
    fake.faults.add({ path: '/v1/me/top/tracks', status: 503 });
    try {
      await logIn(page, 'Sam Okafor');
      expect(await page.locator('.empty-state h2').textContent()).toBe('Your archive is empty');
      expect(await page.locator('p.warning').textContent()).toContain('Your first snapshot could not be taken: Spotify is not answering');
      await shoot(page, 'home-empty');
      for (const url of ['/snapshot', '/settings']) {
        await page.goto(`${server.url}${url}`);
        expect([url, await page.locator('.empty-state').count()]).toEqual([url, 1]);
        await shoot(page, `${url.slice(1)}-empty`);
      }
      expect(await page.locator('#archive-counts dd').first().textContent()).toBe('0');
      // "Take your first snapshot" while Spotify is down: the failure is a message, not a stack trace.
      problems.length = 0;
      await page.goto(`${server.url}/`);
      await page.getByRole('button', { name: 'Take your first snapshot' }).click();
      await page.waitForURL(`${server.url}/snapshot`);
      expect(await page.locator('.flash-error').textContent()).toContain('The snapshot was not taken: Spotify is not answering');
      await shoot(page, 'snapshot-failed');
    } finally {
      fake.faults.clear();
    }
    expect(problems).toEqual([]);
    await context.close();
  }, 180_000);
});
