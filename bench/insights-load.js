// The load client of bench/insights.ts, in a worker thread so it does not share the server's
// event loop. Plain JavaScript: worker threads start without the TypeScript loader.
// workerData: { url, cookies: string[], paths: string[][] (per user), connections, durationMs }
// Posts { latencies: number[], errors: number, statuses: Record<string, number> }.
import { parentPort, workerData } from 'node:worker_threads';

const { url, cookies, paths, connections, durationMs } = workerData;
const latencies = [];
const statuses = {};
let errors = 0;
let next = 0;
const stopAt = performance.now() + durationMs;

async function connection() {
  while (performance.now() < stopAt) {
    const i = next++;
    const user = i % cookies.length;
    const list = paths[user];
    const path = list[Math.floor(i / cookies.length) % list.length];
    const started = performance.now();
    try {
      const response = await fetch(url + path, { headers: { cookie: cookies[user] } });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      latencies.push(performance.now() - started);
    } catch {
      errors += 1;
    }
  }
}

await Promise.all(Array.from({ length: connections }, connection));
parentPort.postMessage({ latencies, errors, statuses });
