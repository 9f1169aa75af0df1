// @ts-check
// The worker thread of source.ts's whole-file checks: SQLite's quick_check, then (when asked:
// only an import needs it) whether some snapshot_date holds more than a date. Each reads the
// whole file (~0.35 s and ~0.15 s for 300 MB), so an import runs them here while it stages the
// tracks. Posts one FileCheckResult. Plain JavaScript because
// worker threads start without the TypeScript loader; `@ts-check` makes tsc check it.
import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * `finding`: quick_check's first finding (the file is damaged); `failure`: the check itself
 * threw (a damaged file can make it); otherwise `snapshotDatesHaveTimes`, undefined unless asked.
 * @typedef {{ finding: string } | { failure: string } | { snapshotDatesHaveTimes: boolean | undefined }} FileCheckResult
 */

const port = parentPort;
const { path, scanDates } = /** @type {{ path: string, scanDates: boolean }} */ (workerData ?? {});
if (!port || typeof path !== 'string') throw new Error('file-check-worker.js runs as a worker thread with { path, scanDates } as workerData');

/** @returns {FileCheckResult} */
function check() {
  let db;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true });
    db.pragma('query_only = true');
    // quick_check: every page readable and well formed (it skips integrity_check's index-vs-table
    // cross check, which a read-only import does not need).
    const result = String(db.pragma('quick_check(1)', { simple: true }));
    if (result !== 'ok') return { finding: result };
    if (!scanDates) return { snapshotDatesHaveTimes: undefined };
    const found = db.prepare(`select exists (select 1 from snapshots where typeof(snapshot_date) = 'text' and length(snapshot_date) > 10)`).pluck(true).get();
    return { snapshotDatesHaveTimes: found === 1 };
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
  }
}

port.postMessage(check());
