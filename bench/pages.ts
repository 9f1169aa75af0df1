// Page timings on the demo data: `npm start`'s demo (embedded PGlite, two listeners with a year
// of daily history), logged in as Alex Rivera, each page requested N times with C in flight.
// Reports p50 / p95 / max per page, HTML and JSON. A figure for the docs, not a test.
//
// Run: npx tsx bench/pages.ts [--requests 200] [--concurrency 4]
//      BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/pages.ts
// (with BENCH_DATABASE_URL a scratch database webapp_bench_pages is created there and dropped afterwards).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '4' } } });
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const PAGES = ['/', '/snapshot', '/settings', '/analytics', '/dashboard', '/history', '/search', '/playlists'];

const folder = await mkdtemp(join(tmpdir(), 'mtm-bench-pages-'));
const port = await freePort();
const adminUrl = process.env.BENCH_DATABASE_URL;
const SCRATCH = 'webapp_bench_pages';
if (adminUrl) await admin(`drop database if exists ${SCRATCH}`).then(() => admin(`create database ${SCRATCH}`));
const databaseEnv = adminUrl ? { DATABASE_URL: Object.assign(new URL(adminUrl), { pathname: `/${SCRATCH}` }).toString() } : {};
const config = loadConfig({
  ...databaseEnv, NODE_ENV: 'production', DEMO_MODE: 'true', SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0123', APP_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(folder, 'data') });
const server = await startServer(config, { handleSignals: false });
try {
  const seeding = Date.now();
  await server.demoSeeded;
  console.log(`demo history ready in ${Date.now() - seeding} ms (${server.deps.database.kind})`);
  const cookie = await logIn(server.url, 'Alex Rivera');
  console.log(`${REQUESTS} requests per page, ${CONCURRENCY} in flight\n`);
  console.log('page                 kind   status    p50 ms   p95 ms   max ms   bytes');
  for (const path of PAGES) {
    for (const json of [false, true]) {
      const headers = { cookie, accept: json ? 'application/json' : 'text/html' };
      const first = await fetch(`${server.url}${path}`, { headers, redirect: 'manual' });
      const bytes = (await first.arrayBuffer()).byteLength;
      if (first.status === 404) {
        console.log(`${path.padEnd(20)} ${json ? 'json' : 'html'}   404       (not on this branch)`);
        continue;
      }
      const times = await measure(`${server.url}${path}`, headers);
      const [p50, p95, max] = [percentile(times, 50), percentile(times, 95), Math.max(...times)];
      console.log(`${path.padEnd(20)} ${json ? 'json' : 'html'}   ${String(first.status).padEnd(6)} ${fmt(p50)} ${fmt(p95)} ${fmt(max)}   ${bytes}`);
    }
  }
} finally {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
  if (adminUrl) await admin(`drop database if exists ${SCRATCH}`);
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function measure(url: string, headers: Record<string, string>): Promise<number[]> {
  const times: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next += 1;
        const started = performance.now();
        const response = await fetch(url, { headers, redirect: 'manual' });
        await response.arrayBuffer();
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

/** The demo login as a browser does it: app -> fake consent page (through the app) -> callback. */
async function logIn(base: string, who: string): Promise<string> {
  const login = await fetch(`${base}/login`, { redirect: 'manual' });
  let cookie = sessionCookie(login) ?? '';
  const consentUrl = new URL(login.headers.get('location')!, base);
  const consent = await (await fetch(consentUrl, { headers: { cookie } })).text();
  const form = [...consent.matchAll(/<form method="post" action="authorize\/approve">(.*?)<\/form>/g)].find((m) => m[1]!.includes(`Continue as ${who}`))![1]!;
  const fields = Object.fromEntries([...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))).replace(/&amp;/g, '&')]));
  const approved = await fetch(new URL('authorize/approve', consentUrl), { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual', headers: { cookie } });
  const callback = await fetch(new URL(approved.headers.get('location')!, base), { redirect: 'manual', headers: { cookie } });
  cookie = sessionCookie(callback) ?? cookie;
  if (callback.status !== 302) throw new Error(`login failed: ${callback.status}`);
  return cookie;
}

function sessionCookie(response: Response): string | undefined {
  const set = response.headers.getSetCookie().find((c) => c.startsWith('mtm_session='));
  return set?.split(';')[0];
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function fmt(ms: number): string {
  return ms.toFixed(1).padStart(8);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address() as { port: number };
      probe.close(() => done(free));
    });
  });
}
