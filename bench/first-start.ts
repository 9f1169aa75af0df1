// Times what a newcomer waits for: `npm start` on a fresh (empty) DATA_DIR, from process start to
// the first 200 from /healthz. Runs the server the way `npm start` does (node bin/start.mjs,
// without npm's own ~0.3 s), RUNS times, each on a new folder, and prints every run and the
// median; the app's bundle is built before the first timed run, as `npm start` builds it once
// per change of the sources. Also times a restart on the last run's (existing) folder for comparison.
// Run: npx tsx bench/first-start.ts            (RUNS=5 by default; RUNS=9 npx tsx bench/first-start.ts)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 5);

/** CPU seconds (user + system, all threads) the process has used: a figure a loaded machine distorts less than wall time. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const cpu: number[] = [];

async function timeToHealthy(dataDir: string, port: number): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/start.mjs'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (code ${child.exitCode}) before answering`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (response.status === 200) {
          const ms = performance.now() - started;
          cpu.push(cpuSeconds(child.pid!));
          return ms;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const port = 35000 + (process.pid % 1000);
const times: number[] = [];
let lastDir = '';
console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (let run = 0; run < RUNS; run++) {
  if (lastDir) await rm(lastDir, { recursive: true, force: true });
  lastDir = await mkdtemp(join(tmpdir(), 'mtm-first-start-'));
  const ms = await timeToHealthy(lastDir, port);
  times.push(ms);
  console.log(`fresh DATA_DIR run ${run + 1}: ${Math.round(ms)} ms wall, ${cpu.at(-1)!.toFixed(2)} s CPU`);
}
const restart = await timeToHealthy(lastDir, port);
await rm(lastDir, { recursive: true, force: true });
console.log(`fresh DATA_DIR median of ${RUNS}: ${Math.round(median(times))} ms (min ${Math.round(Math.min(...times))}, max ${Math.round(Math.max(...times))})`);
console.log(`fresh DATA_DIR median CPU: ${median(cpu.slice(0, RUNS)).toFixed(2)} s`);
console.log(`existing DATA_DIR (restart): ${Math.round(restart)} ms wall, ${cpu.at(-1)!.toFixed(2)} s CPU`);
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
