import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import Sqlite from 'better-sqlite3';
import { AppError } from '../../lib/errors.js';
import { SNAPSHOT_COLUMNS, TRACK_COLUMNS, type SqliteValue } from './rows.js';
import { snapshotLinePageReader, type SnapshotLinePage } from './snapshot-line-pages.js';
import type { FileCheckResult } from './file-check-worker.js';
import type { SnapshotPageRules } from './snapshot-page-check.js';

/** The file is not a Music Time Machine SQLite database; the message says what is missing. */
export class LegacyFileError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_legacy_file', 400, message, options);
  }
}

const SQLITE_HEADER = 'SQLite format 3\u0000';

/** A legacy file opened read-only: SQLite never writes to it, whatever we run. */
export interface LegacySource {
  readonly counts: { tracks: number; snapshots: number };
  /**
   * True when the file's snapshots table has the tutorial's primary key over a TEXT track_id, so
   * the keys are unique as our text. (Without TEXT affinity, 5 and '5' are two SQLite keys but
   * one track id once converted.)
   */
  readonly snapshotKeyEnforced: boolean;
  /** [rowid, ...TRACK_COLUMNS] per row, streamed (memory stays flat whatever the file size). */
  tracks(): IterableIterator<SqliteValue[]>;
  /** [rowid, ...SNAPSHOT_COLUMNS] per row, streamed. */
  snapshots(): IterableIterator<SqliteValue[]>;
  /** The file's path (a reader thread opens it again: snapshot-line-reader.ts). */
  readonly path: string;
  /**
   * The snapshots as pages of COPY lines SQLite builds, `count` rows a page, checked against
   * `rules` and `loadable` (which the check marks; see snapshot-line-pages.js).
   */
  snapshotLinePages(rules: SnapshotPageRules, loadable: Map<string, boolean>, count: number): IterableIterator<SnapshotLinePage>;
  /** [rowid, ...SNAPSHOT_COLUMNS] for the snapshot rows in (afterRowid, lastRowid], in rowid order. */
  snapshotRowsBetween(afterRowid: number, lastRowid: number): SqliteValue[][];
  /**
   * The checks that read the whole file, run on a thread of their own (file-check-worker.js):
   * SQLite's quick_check (a damaged page is refused before anything is written, instead of
   * failing half-way), then, for an import (`checkInBackground`), the scan for dates with times.
   * Rejects with the LegacyFileError of a damaged file. Already settled unless the source was
   * opened with `checkInBackground`; then the caller must await it before writing anything that
   * lasts.
   */
  readonly checked: Promise<FileChecks>;
  /** The original values of some snapshot rows, for the rejects file. */
  snapshotsByRowid(rowids: readonly number[]): Map<number, SqliteValue[]>;
  close(): void;
}

export interface FileChecks {
  /**
   * True when some snapshot_date holds more than a date ('YYYY-MM-DD HH:MM:SS'): dropping the
   * time can then make two rows one key. Undefined unless the source was opened for an import
   * (`checkInBackground`): nothing else needs the extra pass over the table.
   */
  snapshotDatesHaveTimes: boolean | undefined;
}

/**
 * Opens and checks a legacy file: header, tables and columns, then the whole-file checks
 * (`checked`). With `checkInBackground` (an import) those are still running when this returns,
 * so the caller can start reading meanwhile (an import stages the tracks), and they include the
 * scan for dates with times. `displayName` is how messages name the file (an upload's own name,
 * never our temp path).
 */
export async function openLegacySource(path: string, options: { displayName?: string; checkInBackground?: boolean } = {}): Promise<LegacySource> {
  const name = options.displayName ?? path;
  await checkHeader(path, name);
  let db: Sqlite.Database;
  try {
    db = new Sqlite(path, { readonly: true, fileMustExist: true });
    db.pragma('query_only = true');
  } catch (error) {
    throw new LegacyFileError(`cannot open "${name}" as SQLite: ${(error as Error).message}`, { cause: error });
  }
  let checks: ReturnType<typeof checkWholeFile> | undefined;
  try {
    const snapshotKeyEnforced = checkSchema(db);
    checks = checkWholeFile(path, name, options.checkInBackground === true);
    const count = (table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    const counts = { tracks: count('tracks'), snapshots: count('snapshots') };
    const trackPage = db.prepare(`select rowid, ${TRACK_COLUMNS.join(', ')} from tracks where rowid > ? order by rowid limit ${TRACK_PAGE_ROWS}`).raw(true);
    const snapshotPage = db.prepare(`select rowid, ${SNAPSHOT_COLUMNS.join(', ')} from snapshots where rowid > ? order by rowid limit ${PAGE_ROWS}`).raw(true);
    const byRowid = db.prepare(`select rowid, ${SNAPSHOT_COLUMNS.join(', ')} from snapshots where rowid = ?`).raw(true);
    const rowsBetween = db.prepare(`select rowid, ${SNAPSHOT_COLUMNS.join(', ')} from snapshots where rowid > ? and rowid <= ? order by rowid`).raw(true);
    const source: LegacySource = {
      checked: checks.result,
      snapshotKeyEnforced,
      tracks: () => pages(trackPage),
      snapshots: () => pages(snapshotPage),
      path,
      *snapshotLinePages(rules, loadable, count) {
        const next = snapshotLinePageReader(db, rules, loadable, count);
        for (let page = next(Number.MIN_SAFE_INTEGER); page !== undefined; page = next(page.lastRowid)) yield page;
      },
      snapshotRowsBetween: (afterRowid, last) => rowsBetween.all(afterRowid, last) as SqliteValue[][],
      snapshotsByRowid(rowids) {
        const found = new Map<number, SqliteValue[]>();
        for (const rowid of rowids) {
          const row = byRowid.get(rowid) as SqliteValue[] | undefined;
          if (row) found.set(rowid, row);
        }
        return found;
      },
      counts,
      close: () => {
        checks?.stop();
        db.close();
      },
    };
    if (!options.checkInBackground) await checks.result; // a rejection closes the file below
    return source;
  } catch (error) {
    db.close();
    if (error instanceof LegacyFileError) throw error;
    // A damaged page can make any read fail: then the whole-file check's finding says it best.
    await checks?.result;
    throw new LegacyFileError(`cannot read "${name}": ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Rows in rowid order, a page at a time (keyset paging): memory stays at one page whatever the
 * file size, and fetching pages with .all() costs far less per row than stepping a cursor.
 * Track rows carry ~2 KB of raw_json each: a page of them is 1,000 rows (~2 MB), small enough to
 * die young instead of being promoted to the old heap while it is worked through (a 10,000-row
 * page made the heap grow by tens of MB); snapshot rows are ~60 bytes.
 */
const PAGE_ROWS = 10_000;
const TRACK_PAGE_ROWS = 1_000;
function* pages(statement: Sqlite.Statement): IterableIterator<SqliteValue[]> {
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = statement.all(after) as SqliteValue[][];
    if (rows.length === 0) return;
    yield* rows;
    after = rows[rows.length - 1]![0] as number;
  }
}

async function checkHeader(path: string, name: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LegacyFileError(code === 'ENOENT' ? `no file at "${name}"` : `cannot read "${name}": ${code ?? 'unreadable'}`, { cause: error });
  }
  try {
    const buffer = Buffer.alloc(16);
    const { bytesRead } = await handle.read(buffer, 0, 16, 0);
    if (bytesRead < 16 || buffer.toString('latin1') !== SQLITE_HEADER) {
      throw new LegacyFileError(`"${name}" is not an SQLite database (a Music Time Machine file is the app's music_time_machine.db)`);
    }
  } finally {
    await handle.close();
  }
}

/** The whole-file checks on their worker thread (file-check-worker.js); `stop` ends them early. */
function checkWholeFile(path: string, name: string, scanDates: boolean): { result: Promise<FileChecks>; stop: () => void } {
  const worker = new Worker(new URL('./file-check-worker.js', import.meta.url), { workerData: { path, scanDates } });
  worker.unref(); // never what keeps the process alive
  const result = new Promise<FileChecks>((resolve, reject) => {
    worker.once('message', (message: FileCheckResult) => {
      if ('finding' in message) {
        const finding = message.finding.replace('*** in database main ***', '').replace(/\s+/g, ' ').trim();
        reject(new LegacyFileError(`"${name}" is damaged (SQLite's check says: ${finding}). Nothing was imported; copy the file again from the original.`));
      } else if ('failure' in message) {
        reject(new LegacyFileError(`cannot read "${name}": ${message.failure}`));
      } else {
        resolve(message);
      }
    });
    worker.once('error', (error) => reject(new LegacyFileError(`cannot read "${name}": ${error.message}`, { cause: error })));
    worker.once('exit', (code) => reject(new LegacyFileError(`cannot read "${name}": its check stopped (worker exit ${code})`)));
  });
  result.catch(() => {}); // whoever awaits it handles it; never an unhandled rejection if nobody does
  return { result, stop: () => void worker.terminate() };
}

/** SQLite's affinity rules: INT anywhere wins; otherwise CHAR, CLOB or TEXT make a TEXT column. */
function hasTextAffinity(declaredType: string): boolean {
  return !/INT/i.test(declaredType) && /CHAR|CLOB|TEXT/i.test(declaredType);
}

/** Names every missing table or column; returns whether the snapshots key is enforced. */
function checkSchema(db: Sqlite.Database): boolean {
  const problems: string[] = [];
  let snapshotKeyEnforced = false;
  for (const [table, columns] of [
    ['tracks', TRACK_COLUMNS],
    ['snapshots', SNAPSHOT_COLUMNS],
  ] as const) {
    const info = db.prepare(`select name, type, pk from pragma_table_info(?)`).all(table) as Array<{ name: string; type: string; pk: number }>;
    if (info.length === 0) {
      problems.push(`table "${table}" is missing`);
      continue;
    }
    const have = new Set(info.map((c) => c.name));
    const missing = columns.filter((c) => !have.has(c));
    if (missing.length) problems.push(`table "${table}" lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    if (table === 'snapshots') {
      const pk = info.filter((c) => c.pk > 0).map((c) => c.name).sort().join(',');
      const trackIdType = info.find((c) => c.name === 'track_id')?.type ?? '';
      snapshotKeyEnforced = pk === 'snapshot_date,time_range,track_id' && hasTextAffinity(trackIdType);
    }
  }
  if (problems.length) throw new LegacyFileError(`not a Music Time Machine file: ${problems.join('; ')}`);
  return snapshotKeyEnforced;
}
