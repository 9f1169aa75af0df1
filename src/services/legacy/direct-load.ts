import type { BulkSession } from '../../db/bulk-session.js';
import type { LegacySource } from './source.js';
import type { RejectEntry } from './rejects.js';
import type { SqliteValue } from './rows.js';
import { checkSnapshotRow, reportSetRejects, snapshotPageRules } from './snapshot-checks.js';
import type { SnapshotLinePage } from './snapshot-line-pages.js';
import { startSnapshotLineReader } from './snapshot-line-reader.js';
import type { TrackIds } from './stage.js';
import { chunkSent, IMPORT_CHUNK_ROWS, type StageContext } from './stage-stream.js';

/** Above this many tracks the id set would cost too much memory; the staged path is used instead. */
export const DIRECT_LOAD_MAX_TRACKS = 1_000_000;

/**
 * Whether the file's snapshots can skip staging: COPY'd straight into `snapshots` with every check
 * done per row in JavaScript. That holds when no check needs the other rows:
 * - the file has the tutorial's key and no date carries a time, so no two rows can become one key;
 * - the track ids fit in memory, so "is this row's track in the file?" is a set lookup.
 * This checks the first and the last from what opening the file found; whether a date carries a
 * time is the background scan's answer (LegacySource.checked), which the caller adds, with its
 * own conditions (indexes rebuilt, the owner's archive empty).
 */
export function snapshotsCanLoadDirectly(source: LegacySource): boolean {
  return source.counts.tracks <= DIRECT_LOAD_MAX_TRACKS && source.snapshotKeyEnforced;
}

/**
 * Pages the reader thread reads before the COPY starts: ~12 MB of lines (240,000 rows). Twice
 * that cost the import ~15 MB more peak memory for little more speed.
 */
const READ_AHEAD_PAGES = 48;

/** The file's snapshot pages for loadSnapshotsDirectly; close it whatever happened. */
export interface DirectLoadPages {
  /** The text before each COPY line: the owner's id and a tab. */
  readonly prefix: string;
  readonly pages: AsyncIterable<SnapshotLinePage> | Iterable<SnapshotLinePage>;
  close(): Promise<void>;
}

/**
 * Opens the file's snapshot pages for the owner's direct load. On PostgreSQL a thread starts
 * reading and checking them at once (startSnapshotLineReader), up to READ_AHEAD_PAGES ahead: the
 * import opens them before moving the tracks, which is PostgreSQL's work alone, so that thread
 * uses the core the move leaves idle, and the COPY then waits less for it. Embedded, PGlite is
 * what the COPY waits for: the pages are read on this thread as the COPY takes them.
 */
export function openSnapshotPages(session: BulkSession, source: LegacySource, userId: number, trackIds: TrackIds): DirectLoadPages {
  const rules = snapshotPageRules(`${userId}\t`);
  if (session.kind === 'postgres') {
    return { prefix: rules.prefix, ...startSnapshotLineReader(source.path, rules, trackIds.staged.keys(), IMPORT_CHUNK_ROWS, READ_AHEAD_PAGES) };
  }
  return { prefix: rules.prefix, pages: source.snapshotLinePages(rules, trackIds.staged, IMPORT_CHUNK_ROWS), close: async () => {} };
}

export interface DirectLoadResult {
  loaded: number;
  snapshotRejected: Record<string, number>;
}

/**
 * Streams the file's snapshots into the owner's archive with COPY, skipping the staging table
 * and the INSERT ... SELECT out of it (a quarter of a large import's time). Rejects are the ones
 * the staged path finds, in the same order: per-row problems as they are read, then rows whose
 * track is missing or rejected, in source order. Runs inside the caller's transaction, after the
 * file's tracks are in `tracks`, with the owner's archive empty and the snapshots keys dropped
 * (see withSnapshotKeysRebuilt), and only when snapshotsCanLoadDirectly(source) and no date has a
 * time, from `pages` (openSnapshotPages for the owner, with the same ids). Marks in
 * `trackIds.staged` the tracks the loaded rows name (see namedTrackIds).
 */
export async function loadSnapshotsDirectly(
  session: BulkSession,
  context: StageContext,
  trackIds: TrackIds,
  { prefix, pages }: DirectLoadPages,
): Promise<DirectLoadResult> {
  const { source, checkpoint } = context;
  const snapshotRejected: Record<string, number> = {};
  const count = (reason: string) => (snapshotRejected[reason] = (snapshotRejected[reason] ?? 0) + 1);
  // Rows whose track is not loadable, reported after the stream like the staged path's set
  // checks; two numbers a row, so even a file of nothing but such rows stays small.
  const trackRejectRowids: number[] = [];
  const trackRejectRejected: boolean[] = [];

  const line = (row: SqliteValue[], reject: (entry: RejectEntry) => void): string | undefined => {
    const checked = checkSnapshotRow(row);
    if (!checked.ok) {
      count(checked.entry.reason);
      reject(checked.entry);
      return undefined;
    }
    if (checked.dateHadTime) {
      // The file's scan said no date has a time; a key could now repeat unnoticed.
      throw new Error(`snapshot row ${String(row[0])} has a time in its date; this file needs the staged import`);
    }
    if (trackIds.staged.has(checked.trackId)) {
      trackIds.staged.set(checked.trackId, true);
      return prefix + checked.fields;
    }
    const rejected = trackIds.rejected.has(checked.trackId);
    count(rejected ? 'track_rejected' : 'track_missing');
    trackRejectRowids.push(Number(row[0]));
    trackRejectRejected.push(rejected);
    return undefined;
  };
  const text = snapshotCopyText(context, pages, trackIds.staged, line);
  const loaded = await session.copyInto('snapshots', ['user_id', 'track_id', 'snapshot_date', 'time_range', 'rank'], text);
  checkpoint('staged');
  context.progress('finishing');

  let next = 0; // the rowids were pushed in source (rowid) order, so pages are slices
  await reportSetRejects(source, context.emit, async () => {
    const page = [];
    for (const end = Math.min(next + 1000, trackRejectRowids.length); next < end; next++) {
      page.push({ src_rowid: trackRejectRowids[next]!, reason: trackRejectRejected[next] ? 'track_rejected' : 'track_missing' });
    }
    return page;
  });
  return { loaded, snapshotRejected };
}

/**
 * The COPY text of the file's snapshots, a chunk (IMPORT_CHUNK_ROWS source rows) at a time, as
 * copyTextOf gives it (rejects written before their chunk goes out, then progress and the
 * checkpoint `snapshots-chunk-N`), but read cheaply: SQLite builds each row's line, and a chunk
 * whose lines are all clean rows with a loadable track goes out as it is (snapshot-line-pages.js
 * checks them; the tracks it named are marked in `named`). Otherwise the chunk is read again as
 * values and each row goes through `slowLine`, the full check, so rejects and their order do not
 * depend on it. On PostgreSQL the lines are read and checked on a thread of their own, ahead
 * (snapshot-line-reader.ts): the database, not this thread, is then what the COPY waits for.
 * Embedded, PGlite is, and the thread would only add memory.
 */
async function* snapshotCopyText(
  context: StageContext,
  pages: AsyncIterable<SnapshotLinePage> | Iterable<SnapshotLinePage>,
  named: Map<string, boolean>,
  slowLine: (row: SqliteValue[], reject: (entry: RejectEntry) => void) => string | undefined,
): AsyncGenerator<string> {
  const { source } = context;
  let after = Number.MIN_SAFE_INTEGER;
  let chunks = 0;
  for await (const page of pages) {
    let text = page.text;
    for (const trackId of page.named) named.set(trackId, true);
    if (text === null) {
      const rejects: RejectEntry[] = [];
      text = '';
      for (const row of source.snapshotRowsBetween(after, page.lastRowid)) text += slowLine(row, (entry) => void rejects.push(entry)) ?? '';
      for (const entry of rejects) await context.emit(entry);
    }
    context.countRows(page.rows);
    after = page.lastRowid;
    if (text !== '') yield text;
    if (page.rows < IMPORT_CHUNK_ROWS) break; // the last, partial chunk: no checkpoint
    chunkSent(context, 'snapshots', ++chunks);
  }
  context.progress('snapshots');
}
