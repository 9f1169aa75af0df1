// @ts-check
// A legacy file's snapshots as pages of COPY lines that SQLite builds, each checked as it is read
// (snapshot-page-check.js). Shared by the main thread (LegacySource.snapshotLinePages) and the
// reader thread (snapshot-line-worker.js), so both read and check exactly the same pages. Plain
// JavaScript because worker threads start without the TypeScript loader; `@ts-check` makes tsc
// check it like the TypeScript around it.
import { snapshotPageCheck } from './snapshot-page-check.js';

/**
 * One page: the rows in (the previous page's lastRowid, lastRowid], in rowid order. `text` is
 * their COPY lines joined, each the rules' prefix, then track_id, snapshot_date, time_range and
 * rank joined by tabs, and a newline, when the page is clean (snapshot-page-check.js); null when
 * its rows need the full check one by one (some value is not text, text, text and integer in
 * SQLite's types, or a line fails the check). `named`: the tracks a clean page named first.
 * @typedef {{ lastRowid: number, rows: number, text: string | null, named: string[] }} SnapshotLinePage
 */

/**
 * Reads pages of up to `count` rows: each call returns the page after `afterRowid`, undefined
 * when no row is left. One string per row costs about half as much as the rows' five values as
 * JavaScript arrays (better-sqlite3's largest cost in a large import).
 * @param {import('better-sqlite3').Database} db a connection to the legacy file
 * @param {import('./snapshot-page-check.js').SnapshotPageRules} rules
 * @param {Map<string, boolean>} loadable the track ids a row may load with, and whether one has been named (marked here)
 * @param {number} count rows per page
 * @returns {(afterRowid: number) => SnapshotLinePage | undefined}
 */
export function snapshotLinePageReader(db, rules, loadable, count) {
  const check = snapshotPageCheck(rules, loadable);
  const pageEnd = db.prepare('select rowid from snapshots where rowid > ? order by rowid limit 1 offset ?').pluck(true);
  const lastRowid = db.prepare('select max(rowid) from snapshots where rowid > ?').pluck(true);
  const lines = db
    .prepare(
      `select case when typeof(track_id) = 'text' and typeof(snapshot_date) = 'text' and typeof(time_range) = 'text' and typeof(rank) = 'integer'
         then ? || track_id || char(9) || snapshot_date || char(9) || time_range || char(9) || rank || char(10) end
       from snapshots where rowid > ? and rowid <= ? order by rowid`,
    )
    .pluck(true);
  return (afterRowid) => {
    const last = /** @type {number | undefined} */ (pageEnd.get(afterRowid, count - 1)) ?? /** @type {number | null} */ (lastRowid.get(afterRowid));
    if (last === undefined || last === null) return undefined;
    const rows = /** @type {Array<string | null>} */ (lines.all(rules.prefix, afterRowid, last));
    const text = rows.includes(null) ? undefined : rows.join('');
    const named = text === undefined ? undefined : check(text, rows.length);
    return { lastRowid: last, rows: rows.length, text: named === undefined ? null : /** @type {string} */ (text), named: named ?? [] };
  };
}
