// CPU per request of each insight page: the app process's and its PostgreSQL backends', read
// from /proc before and after N requests. Unlike latency under load (bench/insights.ts), these
// figures hardly move when other work shares the machine, so they show what a change saved.
// Uses a database kept by bench/insights.ts --keep (its bench-user-* users and their data).
//
// Run: npx tsx bench/page-cpu.ts --database insights_bench_5x5_0_1234 [--requests 600] [--page search]
//   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres, names the server)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({ options: { database: { type: 'string' }, requests: { type: 'string', default: '600' }, page: { type: 'string' } } });
if (!values.database) throw new Error('Pass --database NAME: a database kept by bench/insights.ts --keep.');
const N = Number(values.requests);
const url = Object.assign(new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'), { pathname: `/${values.database}` }).toString();

/** CPU milliseconds (user + system) a process has used, or 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms (USER_HZ = 100)
  } catch {
    return 0;
  }
}

const server = spawn(process.execPath, ['--import', 'tsx', new URL('./page-cpu-server.ts', import.meta.url).pathname, url], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise<string>((resolve) => server.stdout.once('data', (data) => resolve(String(data).trim())));
const admin = new pg.Client({ connectionString: url });
await admin.connect();
try {
  const backendsCpuMs = async () => {
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.reduce((sum, r) => sum + cpuMs(r.pid), 0);
  };
  const users = (await admin.query<{ id: string }>(`select id from users where spotify_id like 'bench-user-%' order by id limit 5`)).rows.map((r) => Number(r.id));
  const perUser: Array<{ cookie: string; dates: string[]; tracks: string[]; words: string[] }> = [];
  for (const id of users) {
    const login = await fetch(`${base}/bench-login/${id}`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const dates = (await admin.query<{ d: string }>('select distinct snapshot_date::text as d from snapshots where user_id = $1 order by 1 desc limit 200', [id])).rows.map((r) => r.d);
    const latest = await admin.query<{ t: string; n: string }>(
      `select s.track_id as t, min(tr.name) as n from snapshots s join tracks tr using (track_id)
       where s.user_id = $1 and s.snapshot_date = (select max(snapshot_date) from snapshots where user_id = $1) group by 1 limit 50`,
      [id],
    );
    perUser.push({ cookie, dates, tracks: latest.rows.map((r) => r.t), words: latest.rows.map((r) => r.n.split(' ')[0]!.slice(0, 4).toLowerCase()) });
  }
  const ranges = ['short_term', 'medium_term', 'long_term'];
  const pages: Array<[string, (user: number, i: number) => string]> = [
    ['/analytics', () => '/analytics'],
    ['/analytics?range=all', () => '/analytics?range=all'],
    ['/dashboard', () => '/dashboard'],
    ['/history?date=…', (u, i) => `/history?date=${perUser[u]!.dates[i % perUser[u]!.dates.length]}&range=${ranges[i % 3]}`],
    ['/tracks/:id', (u, i) => `/tracks/${perUser[u]!.tracks[i % perUser[u]!.tracks.length]}`],
    ['/search?q=…', (u, i) => `/search?q=${encodeURIComponent(perUser[u]!.words[i % perUser[u]!.words.length]!)}`],
  ];
  console.log(`${values.database}: ${N} requests per page, 4 in flight, users in turn; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log('| page | first request per user (cache cold), ms | app CPU ms/request | PostgreSQL CPU ms/request | KB/request |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, path] of pages) {
    if (values.page && !name.includes(values.page)) continue;
    let bytes = 0;
    const get = async (user: number, i: number) => {
      const response = await fetch(base + path(user, i), { headers: { cookie: perUser[user]!.cookie }, redirect: 'manual' });
      const body = await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${response.status} from ${path(user, i)}`);
      bytes += body.byteLength;
    };
    let started = performance.now();
    for (let u = 0; u < users.length; u++) await get(u, 0);
    const coldMs = (performance.now() - started) / users.length;
    bytes = 0;
    const app0 = cpuMs(server.pid!);
    const db0 = await backendsCpuMs();
    started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < N) {
        const i = next++;
        await get(i % users.length, Math.floor(i / users.length) + 1);
      }
    }));
    const appMs = (cpuMs(server.pid!) - app0) / N;
    const dbMs = ((await backendsCpuMs()) - db0) / N;
    console.log(`| ${name} | ${coldMs.toFixed(0)} | ${appMs.toFixed(2)} | ${dbMs.toFixed(2)} | ${(bytes / N / 1024).toFixed(0)} |`);
  }
} finally {
  await admin.end();
  server.kill('SIGTERM');
}
