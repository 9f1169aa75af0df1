// @ts-check
// The worker thread of source.ts's whole-file checks, one job per thread: 'integrity' runs
// SQLite's quick_check, 'dates' scans for a snapshot_date holding more than a date. Each reads
// the whole file (~0.35 s and ~0.15 s for 300 MB), so an import runs them beside its own work.
// Posts one FileCheckResult. Plain JavaScript because worker threads start without the
// TypeScript loader; `@ts-check` makes tsc check it.
import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * `finding`: quick_check's first finding (the file is damaged); `failure`: the job itself threw
 * (a damaged file can make it); otherwise `ok`, with `snapshotDatesHaveTimes` for 'dates'.
 * @typedef {{ finding: string } | { failure: string } | { ok: true, snapshotDatesHaveTimes?: boolean }} FileCheckResult
 */

const port = parentPort;
const { path, job } = /** @type {{ path: string, job: 'integrity' | 'dates' }} */ (workerData ?? {});
if (!port || typeof path !== 'string') throw new Error('file-check-worker.js runs as a worker thread with { path, job } as workerData');

/** @returns {FileCheckResult} */
function run() {
  let db;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true });
    db.pragma('query_only = true');
    if (job === 'dates') {
      const found = db.prepare(`select exists (select 1 from snapshots where typeof(snapshot_date) = 'text' and length(snapshot_date) > 10)`).pluck(true).get();
      return { ok: true, snapshotDatesHaveTimes: found === 1 };
    }
    // quick_check: every page readable and well formed (it skips integrity_check's index-vs-table
    // cross check, which a read-only import does not need).
    const result = String(db.pragma('quick_check(1)', { simple: true }));
    return result === 'ok' ? { ok: true } : { finding: result };
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  } finally {
    db?.close();
  }
}

port.postMessage(run());
