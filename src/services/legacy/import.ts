import { basename } from 'node:path';
import { sql } from 'kysely';
import type { BulkSession, WithBulkSession } from '../../db/bulk-session.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, ConflictError, errorMessage, ValidationError } from '../../lib/errors.js';
import { failImportRun, finishImportRun, markInterruptedImportRuns, startImportRun } from '../../repositories/import-runs.js';
import {
  countStagedSnapshots,
  dropStagingTables,
  estimateSnapshotRows,
  moveStagedSnapshots,
  moveStagedSnapshotsRebuilding,
  moveStagedTracks,
  tryLockImportOwner,
  unlockImportOwner,
} from '../../repositories/legacy-staging.js';
import { upsertUser } from '../../repositories/users.js';
import type { RejectSink } from './rejects.js';
import { openLegacySource, sha256File, type LegacySource } from './source.js';
import { stageLegacyFile, type StageProgress } from './stage.js';

export type ImportProgress = StageProgress;

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
  // Index rebuilds sort in memory when they can; PGlite's WASM heap is smaller, so less there.
  await sql.raw(`set maintenance_work_mem = '${session.kind === 'postgres' ? '512MB' : '64MB'}'`).execute(db);
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
    const staged = await stageLegacyFile(session, source, { clock, rejects, onProgress: options.onProgress, checkpoint });
    const { trackRejected, rawJsonNull, snapshotRejected, tracksStageMs, snapshotsStageMs, stagedAt, checkedAt } = staged;

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


