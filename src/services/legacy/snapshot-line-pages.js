// @ts-check
// A legacy file's snapshots as pages of COPY lines that SQLite builds, shared by the main thread
// (LegacySource.snapshotLinePages) and the reader thread (snapshot-line-worker.js), so both read
// exactly the same pages. Plain JavaScript because worker threads start without the TypeScript
// loader; `@ts-check` makes tsc check it like the TypeScript around it.

/**
 * One page: the rows in (the previous page's lastRowid, lastRowid], in rowid order. `text` is
 * their COPY lines joined, each `prefix`, then track_id, snapshot_date, time_range and rank joined
 * by tabs, and a newline; null when some row's values are not text, text, text and integer in
 * SQLite's types. Nothing else is checked (see isCleanSnapshotPage).
 * @typedef {{ lastRowid: number, rows: number, text: string | null }} SnapshotLinePage
 */

/**
 * Reads pages of up to `count` rows: each call returns the page after `afterRowid`, undefined
 * when no row is left. One string per row costs about half as much as the rows' five values as
 * JavaScript arrays (better-sqlite3's largest cost in a large import).
 * @param {import('better-sqlite3').Database} db a connection to the legacy file
 * @param {string} prefix the text before each line (the owner's id and a tab)
 * @param {number} count rows per page
 * @returns {(afterRowid: number) => SnapshotLinePage | undefined}
 */
export function snapshotLinePageReader(db, prefix, count) {
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
    const rows = /** @type {Array<string | null>} */ (lines.all(prefix, afterRowid, last));
    return { lastRowid: last, rows: rows.length, text: rows.includes(null) ? null : rows.join('') };
  };
}
