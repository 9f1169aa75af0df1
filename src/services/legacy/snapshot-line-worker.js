// @ts-check
// The reader thread of snapshot-line-reader.ts: reads and checks a legacy file's snapshot line
// pages (snapshot-line-pages.js) and posts them, as many as the main thread has asked for so far,
// then null after the last. Plain JavaScript because worker threads start without the TypeScript
// loader.
import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { snapshotLinePageReader } from './snapshot-line-pages.js';

const port = parentPort;
if (!port) throw new Error('snapshot-line-worker.js runs as a worker thread');
const { path, rules, loadable, count } =
  /** @type {{ path: string, rules: import('./snapshot-page-check.js').SnapshotPageRules, loadable: string[], count: number }} */ (workerData);

const db = new Sqlite(path, { readonly: true, fileMustExist: true });
db.pragma('query_only = true');
// This thread's own record of which tracks a page named; each page reports the ones it added.
const next = snapshotLinePageReader(db, rules, new Map(loadable.map((id) => [id, false])), count);
let after = Number.MIN_SAFE_INTEGER;
let done = false;

// Each message is a number of pages more that the main thread can hold: it never gets further ahead.
port.on('message', (/** @type {number} */ pages) => {
  for (let i = 0; i < pages && !done; i++) {
    const page = next(after);
    if (page === undefined) {
      done = true;
      db.close();
      port.postMessage(null);
    } else {
      after = page.lastRowid;
      port.postMessage(page);
    }
  }
});
