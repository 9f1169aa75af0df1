// @ts-check
// A legacy file's snapshots as pages of COPY lines that SQLite builds, each checked as it is read
// (snapshot-page-check.js). Shared by the main thread (LegacySource.snapshotLinePages) and the
// reader thread (snapshot-line-worker.js), so both read and check exactly the same pages. Plain
// JavaScript because worker threads start without the TypeScript loader; `@ts-check` makes tsc
// check it like the TypeScript around it.
import { snapshotPageCheck } from './snapshot-page-check.js';

/**
 * One page: the rows in (the previous page's lastRowid, lastRowid]. `text` is their COPY lines,
 * each the rules' prefix, then track_id, snapshot_date, time_range and rank joined by tabs, and a
 * newline, when the page is clean (snapshot-page-check.js); null when its rows need the full
 * check one by one (a value is NULL or a blob, a rank is not an integer, or a line fails the
 * check). A clean page goes into COPY whole, so the order of its lines does not matter. `named`:
 * the tracks a clean page named first.
 * @typedef {{ lastRowid: number, rows: number, text: string | null, named: string[] }} SnapshotLinePage
 */

/**
 * Reads pages of up to `count` rows: each call returns the page after `afterRowid`, undefined
 * when no row is left. SQLite builds the whole page's text in one string (group_concat): a
 * string per row cost twice as much, and the rows' five values as JavaScript arrays four times.
 * Only blobs and NULLs need telling apart in SQL (a number in a date or range column renders as
 * digits, which the check refuses, and a track_id column with TEXT affinity, which the direct
 * load requires, holds no numbers); `x < x''` is true for anything but those, and cheaper than
 * typeof().
 * @param {import('better-sqlite3').Database} db a connection to the legacy file
 * @param {import('./snapshot-page-check.js').SnapshotPageRules} rules
 * @param {Map<string, boolean>} loadable the track ids a row may load with, and whether one has been named (marked here)
 * @param {number} count rows per page
 * @returns {(afterRowid: number) => SnapshotLinePage | undefined}
 */
export function snapshotLinePageReader(db, rules, loadable, count) {
  const check = snapshotPageCheck(rules, loadable);
  const page = db
    .prepare(
      `select group_concat(line, ''), count(*), count(line), max(r) from (
         select rowid as r,
           case when track_id < x'' and snapshot_date < x'' and time_range < x'' and typeof(rank) = 'integer'
             then ? || track_id || char(9) || snapshot_date || char(9) || time_range || char(9) || rank || char(10) end as line
         from snapshots where rowid > ? order by rowid limit ?)`,
    )
    .raw(true);
  return (afterRowid) => {
    const [text, rows, lines, last] = /** @type {[string | null, number, number, number | null]} */ (page.get(rules.prefix, afterRowid, count));
    if (rows === 0 || last === null) return undefined;
    const named = text !== null && lines === rows ? check(text, rows) : undefined;
    return { lastRowid: last, rows, text: named === undefined ? null : /** @type {string} */ (text), named: named ?? [] };
  };
}
