import { basename } from 'node:path';
import { sql } from 'kysely';
import type { BulkSession, WithBulkSession } from '../../db/bulk-session.js';
import type { Clock } from '../../lib/clock.js';
import { copyLine } from '../../lib/copy-text.js';
import { AppError, ConflictError, errorMessage, ValidationError } from '../../lib/errors.js';
import { failImportRun, finishImportRun, markInterruptedImportRuns, startImportRun } from '../../repositories/import-runs.js';
import {
  createStagingTables,
  dropStagingTables,
  listSnapshotSetRejects,
  countStagedSnapshots,
  estimateSnapshotRows,
  moveStagedSnapshots,
  moveStagedSnapshotsRebuilding,
  moveStagedTracks,
  REJECTED_TRACK_COLUMNS,
  rejectDuplicateTracks,
  rejectUnloadableSnapshots,
  STAGED_SNAPSHOT_COLUMNS,
  STAGED_TRACK_COLUMNS,
  tryLockImportOwner,
  unlockImportOwner,
} from '../../repositories/legacy-staging.js';
import { upsertUser } from '../../repositories/users.js';
import type { RejectEntry, RejectSink } from './rejects.js';
import { convertSnapshot, convertTrack, originalValue, SNAPSHOT_COLUMNS, TRACK_COLUMNS, type SqliteValue } from './rows.js';
import { openLegacySource, sha256File, type LegacySource } from './source.js';

/** Rows per COPY chunk (and per progress tick). */
export const IMPORT_CHUNK_ROWS = 5000;

export interface ImportProgress {
  phase: 'tracks' | 'snapshots' | 'finishing';
  rowsRead: number;
  totalRows: number;
}

export interface ImportOptions {
  sourcePath: string;
  /** The Spotify user id that owns the legacy archive (the file has no user column). */
  owner: string;
  /** Name recorded in import_runs (the uploaded file's name); defaults to the path's base name. */
  sourceName?: string;
  dryRun?: boolean;
  rejects?: RejectSink;
  clock: Clock;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Called at named points ('tracks-chunk-N', 'snapshots-chunk-N', 'staged', 'before-commit',
   * 'committed'); the CLI's kill tests stop the process there.
   */
  checkpoint?: (name: string) => void;
  /**
   * How snapshots land. 'keep': row by row through the live indexes and foreign keys (other
   * sessions keep reading and writing). 'rebuild': drop, load, recreate (much faster for millions
   * of rows, but locks the snapshots table until commit). 'auto' (default): rebuild when at least
   * REBUILD_MIN_ROWS rows come in and the table holds no more rows than that already.
   */
  constraints?: 'auto' | 'keep' | 'rebuild';
}

export const REBUILD_MIN_ROWS = 100_000;

export interface TableReport {
  read: number;
  imported: number;
  alreadyPresent: number;
  /** Of alreadyPresent: rows whose stored content differs (the database's version was kept). */
  alreadyPresentDiffering: number;
  rejected: Record<string, number>;
  ms: number;
}

export interface ImportReport {
  runId: number | null;
  owner: string;
  userId: number;
  sourceSha256: string;
  dryRun: boolean;
  tracks: TableReport & { rawJsonNull: Record<string, number> };
  snapshots: TableReport;
  interruptedRunsClosed: number;
  /** How snapshots were loaded (see ImportOptions.constraints). */
  snapshotLoad: 'rebuilt-indexes' | 'row-by-row';
  /** Where the time went: streaming into staging, the set-based checks, the final move. */
  phasesMs: { readConvertCopy: number; setChecks: number; move: number };
  ms: number;
}

export function validateOwner(owner: string): string {
  const trimmed = owner.trim();
  if (!trimmed || /\s/.test(trimmed) || trimmed.length > 255) {
    throw new ValidationError(`"${owner}" is not a Spotify user id (one word, as in open.spotify.com/user/ID)`);
  }
  return trimmed;
}

/**
 * Imports a legacy SQLite file into the owner's archive.
 *
 * Rows stream out of SQLite (read-only), are converted and checked one by one in JavaScript,
 * and COPY'd into session temp tables; set-based SQL then finds snapshots without a track and
 * duplicate keys, and moves everything into the real tables with insert-only upserts, together
 * with the import_runs result, in ONE transaction. So a run either lands whole or not at all
 * (a killed run leaves nothing but an import_runs row still marked running, closed by the next
 * run), and a rerun of the same file inserts nothing.
 */
export async function importLegacyFile(withBulkSession: WithBulkSession, options: ImportOptions): Promise<ImportReport> {
  const owner = validateOwner(options.owner);
  const started = options.clock.now().getTime();
  const source = await openLegacySource(options.sourcePath);
  try {
    const sourceSha256 = await sha256File(options.sourcePath);
    return await withBulkSession((session) => runImport(session, source, { ...options, owner }, sourceSha256, started));
  } finally {
    source.close();
  }
}

async function runImport(
  session: BulkSession,
  source: LegacySource,
  options: ImportOptions,
  sourceSha256: string,
  started: number,
): Promise<ImportReport> {
  const { db } = session;
  const { owner, clock } = options;
  const dryRun = options.dryRun ?? false;
  const rejects = options.rejects;
  const checkpoint = options.checkpoint ?? (() => {});
  await sql`set statement_timeout = 0`.execute(db); // a bulk job, not a web request
  // Staging lives in temp tables; the default 8 MB of temp buffers would spill them to disk.
  // (Only takes effect before the session's first temp table, hence here.)
  await sql`set temp_buffers = '256MB'`.execute(db).catch(() => {});
  await sql`set maintenance_work_mem = '128MB'`.execute(db);
  if (!(await tryLockImportOwner(db, owner))) {
    throw new ConflictError(`another import for ${owner} is running; wait for it to finish`);
  }
  let runId: number | null = null;
  try {
    let userId: number | undefined;
    let interruptedRunsClosed = 0;
    if (!dryRun) {
      userId = (await upsertUser(db, { spotifyId: owner })).id;
      interruptedRunsClosed = await markInterruptedImportRuns(db, userId);
      runId = await startImportRun(db, { userId, sourceSha256, sourceName: options.sourceName ?? basename(options.sourcePath) });
    }
    await createStagingTables(db);

    const totalRows = source.counts.tracks + source.counts.snapshots;
    let rowsRead = 0;
    const progress = (phase: ImportProgress['phase']) => options.onProgress?.({ phase, rowsRead, totalRows });
    const emit = async (entry: RejectEntry) => rejects?.write(entry);

    // Tracks: convert, COPY good rows, remember rejected ids (a snapshot of theirs says "track_rejected").
    const tracksStarted = clock.now().getTime();
    const trackRejected: Record<string, number> = {};
    const rawJsonNull: Record<string, number> = {};
    const rejectedIds: string[] = [];
    let chunkNo = 0;
    async function* trackChunks(): AsyncGenerator<string> {
      let chunk = '';
      let inChunk = 0;
      for (const row of source.tracks()) {
        const [rowid, ...values] = row;
        rowsRead++;
        const result = convertTrack(values);
        const originals = Object.fromEntries(TRACK_COLUMNS.map((c, i) => [c, originalValue(values[i])]));
        if (!result.ok) {
          trackRejected[result.problem.reason] = (trackRejected[result.problem.reason] ?? 0) + 1;
          if (typeof values[0] === 'string' && values[0] !== '' && !values[0].includes('\u0000')) rejectedIds.push(values[0]);
          await emit({ table: 'tracks', key: { track_id: originals.track_id }, ...result.problem, action: 'rejected', values: originals });
        } else {
          if (result.rawJsonProblem) {
            const p = result.rawJsonProblem;
            rawJsonNull[p.reason] = (rawJsonNull[p.reason] ?? 0) + 1;
            await emit({ table: 'tracks', key: { track_id: result.track.track_id }, ...p, action: 'kept_raw_json_null', values: originals });
          }
          const t = result.track;
          chunk += copyLine([Number(rowid), t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json]);
        }
        if (++inChunk === IMPORT_CHUNK_ROWS) {
          yield chunk;
          chunk = '';
          inChunk = 0;
          progress('tracks');
          checkpoint(`tracks-chunk-${++chunkNo}`);
        }
      }
      if (chunk) yield chunk;
      progress('tracks');
    }
    await session.copyInto('legacy_tracks', STAGED_TRACK_COLUMNS, trackChunks());
    if (rejectedIds.length) {
      await session.copyInto('legacy_rejected_tracks', REJECTED_TRACK_COLUMNS, (async function* () {
        yield rejectedIds.map((id) => copyLine([id])).join('');
      })());
    }
    for (const dup of await rejectDuplicateTracks(db)) {
      trackRejected.duplicate_key = (trackRejected.duplicate_key ?? 0) + 1;
      await emit({ table: 'tracks', key: { track_id: dup.track_id }, reason: 'duplicate_key', column: 'track_id', detail: 'the file holds this track id twice; the last row was kept', action: 'rejected', values: { src_rowid: dup.src_rowid } });
    }
    const tracksStageMs = clock.now().getTime() - tracksStarted;

    // Snapshots: same, streamed; the set-based checks come once everything is staged.
    const snapshotsStarted = clock.now().getTime();
    const snapshotRejected: Record<string, number> = {};
    let datesWithTime = 0;
    chunkNo = 0;
    async function* snapshotChunks(): AsyncGenerator<string> {
      let chunk = '';
      let inChunk = 0;
      for (const row of source.snapshots()) {
        const [rowid, ...values] = row;
        rowsRead++;
        const result = convertSnapshot(values);
        if (!result.ok) {
          snapshotRejected[result.problem.reason] = (snapshotRejected[result.problem.reason] ?? 0) + 1;
          await emit(snapshotReject(values, result.problem));
        } else {
          const s = result.snapshot;
          if (s.dateHadTime) datesWithTime++;
          chunk += copyLine([Number(rowid), s.track_id, s.snapshot_date, s.time_range, s.rank]);
        }
        if (++inChunk === IMPORT_CHUNK_ROWS) {
          yield chunk;
          chunk = '';
          inChunk = 0;
          progress('snapshots');
          checkpoint(`snapshots-chunk-${++chunkNo}`);
        }
      }
      if (chunk) yield chunk;
      progress('snapshots');
    }
    await session.copyInto('legacy_snapshots', STAGED_SNAPSHOT_COLUMNS, snapshotChunks());
    checkpoint('staged');
    progress('finishing');
    const stagedAt = clock.now().getTime();

    // Keys can only repeat when a time was dropped from a date, or the file lacks the tutorial's key.
    const checkDuplicates = datesWithTime > 0 || !source.snapshotKeyEnforced;
    const setRejects = await rejectUnloadableSnapshots(db, { checkDuplicates });
    await reportSetRejects(session, source, emit);
    for (const [reason, n] of Object.entries(setRejects)) if (n > 0) snapshotRejected[reason] = n;
    const snapshotsStageMs = clock.now().getTime() - snapshotsStarted;
    const checkedAt = clock.now().getTime();

    // Everything below lands together or not at all.
    await sql`begin`.execute(db);
    try {
      if (dryRun) userId = (await upsertUser(db, { spotifyId: owner })).id;
      const t0 = clock.now().getTime();
      const trackMove = await moveStagedTracks(db);
      const t1 = clock.now().getTime();
      const mode = options.constraints ?? 'auto';
      const incoming = await countStagedSnapshots(db);
      const rebuild = mode === 'rebuild' || (mode === 'auto' && incoming >= REBUILD_MIN_ROWS && (await estimateSnapshotRows(db)) <= incoming);
      const snapshotMove = rebuild ? await moveStagedSnapshotsRebuilding(db, userId!) : await moveStagedSnapshots(db, userId!);
      const t2 = clock.now().getTime();
      const report: ImportReport = {
        runId,
        owner,
        userId: userId!,
        sourceSha256,
        dryRun,
        tracks: {
          read: source.counts.tracks,
          imported: trackMove.imported,
          alreadyPresent: trackMove.alreadyPresent,
          alreadyPresentDiffering: trackMove.differing,
          rejected: trackRejected,
          rawJsonNull,
          ms: tracksStageMs + (t1 - t0),
        },
        snapshots: {
          read: source.counts.snapshots,
          imported: snapshotMove.imported,
          alreadyPresent: snapshotMove.alreadyPresent,
          alreadyPresentDiffering: snapshotMove.differing,
          rejected: snapshotRejected,
          ms: snapshotsStageMs + (t2 - t1),
        },
        interruptedRunsClosed,
        snapshotLoad: rebuild ? 'rebuilt-indexes' : 'row-by-row',
        phasesMs: { readConvertCopy: stagedAt - started, setChecks: checkedAt - stagedAt, move: t2 - t0 },
        ms: 0,
      };
      report.ms = clock.now().getTime() - started;
      if (runId !== null) await finishImportRun(db, runId, { tracks: report.tracks, snapshots: report.snapshots, ms: report.ms } as never);
      checkpoint('before-commit');
      await sql.raw(dryRun ? 'rollback' : 'commit').execute(db);
      checkpoint('committed');
      await rejects?.commit();
      return report;
    } catch (error) {
      await sql`rollback`.execute(db).catch(() => {});
      throw error;
    }
  } catch (error) {
    await rejects?.abort().catch(() => {});
    if (runId !== null) await failImportRun(db, runId, errorMessage(error)).catch(() => {});
    if (error instanceof AppError) throw error;
    throw new AppError('import_failed', 500, `the import failed and nothing was imported: ${errorMessage(error)}`, { cause: error });
  } finally {
    await dropStagingTables(db).catch(() => {});
    await unlockImportOwner(db, owner).catch(() => {});
    await sql`reset statement_timeout; reset maintenance_work_mem`.execute(db).catch(() => {});
  }
}

function snapshotReject(values: readonly SqliteValue[], problem: { reason: string; column: string; detail: string }): RejectEntry {
  const originals = Object.fromEntries(SNAPSHOT_COLUMNS.map((c, i) => [c, originalValue(values[i])]));
  return {
    table: 'snapshots',
    key: { track_id: originals.track_id, snapshot_date: originals.snapshot_date, time_range: originals.time_range },
    reason: problem.reason,
    column: problem.column,
    detail: problem.detail,
    action: 'rejected',
    values: originals,
  };
}

const SET_REJECT_DETAILS: Record<string, { column: string; detail: string }> = {
  track_missing: { column: 'track_id', detail: 'no row in the file\'s tracks table has this track_id' },
  track_rejected: { column: 'track_id', detail: 'this track\'s own row was rejected (see its line)' },
  duplicate_key: { column: 'snapshot_date', detail: 'same track, date and range as a later row once the time is dropped; the later row was kept' },
};

/** Writes the set-based rejects with their original values, re-read from the file by rowid. */
async function reportSetRejects(session: BulkSession, source: LegacySource, emit: (e: RejectEntry) => Promise<void>): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await listSnapshotSetRejects(session.db, after, 1000);
    if (page.length === 0) return;
    const originals = source.snapshotsByRowid(page.map((r) => r.src_rowid));
    for (const r of page) {
      const values = (originals.get(r.src_rowid) ?? []).slice(1);
      await emit(snapshotReject(values, { reason: r.reason, ...SET_REJECT_DETAILS[r.reason]! }));
    }
    after = page.at(-1)!.src_rowid;
  }
}

