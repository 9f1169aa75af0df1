import { basename } from 'node:path';
import type { BulkSession, WithBulkSession } from '../../db/bulk-session.js';
import type { Clock } from '../../lib/clock.js';
import { collectGarbageNow } from '../../lib/collect-garbage.js';
import { hashFileInBackground } from '../../lib/file-hash.js';
import { AppError, ConflictError, errorMessage } from '../../lib/errors.js';
import { beginSessionTransaction, endSessionTransaction, resetBulkLoadTuning, tuneSessionForBulkLoad } from '../../repositories/bulk-load-session.js';
import { addArchiveTracksOf, withSnapshotInsertTriggersOff } from '../../repositories/archive-tracks.js';
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
  type MoveCounts,
} from '../../repositories/legacy-staging.js';
import { spotifyUserHasSnapshots, withSnapshotKeysRebuilt } from '../../repositories/snapshot-bulk.js';
import { deleteUnusedUser, findUserBySpotifyId, upsertUser } from '../../repositories/users.js';
import { loadSnapshotsDirectly, openSnapshotPages, snapshotsCanLoadDirectly, type DirectLoadPages } from './direct-load.js';
import { validateOwner } from './owner.js';
import type { RejectSink } from './rejects.js';
import { openLegacySource, type LegacySource } from './source.js';
import { namedTrackIds, stageSnapshots, stageTracks, type SnapshotStageResult, type TrackIds } from './stage.js';
import { stageContext, type StageContext, type StageProgress } from './stage-stream.js';

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
   * A rebuild into an owner with no snapshots yet skips staging the snapshots when the file allows
   * (see direct-load.ts).
   */
  constraints?: 'auto' | 'keep' | 'rebuild';
}

export const REBUILD_MIN_ROWS = 100_000;

function rebuildWanted(mode: NonNullable<ImportOptions['constraints']>, incoming: number, tableRows: number): boolean {
  return mode === 'rebuild' || (mode === 'auto' && incoming >= REBUILD_MIN_ROWS && tableRows <= incoming);
}

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
  /**
   * How snapshots were loaded (see ImportOptions.constraints): 'direct-copy' COPY'd them straight
   * into the table and rebuilt its indexes; 'rebuilt-indexes' staged them first; 'row-by-row'
   * inserted them through the live indexes.
   */
  snapshotLoad: 'direct-copy' | 'rebuilt-indexes' | 'row-by-row';
  /**
   * Where the time went: reading, converting and COPYing; the set-based checks; moving rows and
   * rebuilding. With 'direct-copy' the snapshots are read and COPY'd inside the transaction and
   * the per-row checks do the set checks' work, so `move` is the index and foreign-key rebuild.
   */
  phasesMs: { readConvertCopy: number; setChecks: number; move: number };
  ms: number;
}

/**
 * Imports a legacy SQLite file into the owner's archive.
 *
 * Rows stream out of SQLite (read-only), are converted and checked one by one in JavaScript,
 * and COPY'd into session temp tables; set-based SQL then finds snapshots without a track and
 * duplicate keys, and moves everything into the real tables with insert-only upserts, together
 * with the import_runs result, in ONE transaction. So a run either lands whole or not at all
 * (a killed run leaves nothing but an import_runs row still marked running, closed by the next
 * run), and a rerun of the same file inserts nothing. A large first import skips staging the
 * snapshots: they are COPY'd straight into the table inside that transaction (direct-load.ts).
 */
export async function importLegacyFile(withBulkSession: WithBulkSession, options: ImportOptions): Promise<ImportReport> {
  const owner = validateOwner(options.owner);
  const started = options.clock.now().getTime();
  const hash = hashFileInBackground(options.sourcePath);
  try {
    const source = await openLegacySource(options.sourcePath, { displayName: options.sourceName, checkInBackground: true });
    try {
      return await withBulkSession((session) => runImport(session, source, { ...options, owner }, hash.hex, started));
    } finally {
      source.close();
    }
  } finally {
    hash.cancel();
  }
}

async function runImport(
  session: BulkSession,
  source: LegacySource,
  options: ImportOptions,
  sourceHash: Promise<string>,
  started: number,
): Promise<ImportReport> {
  const { db } = session;
  const { owner, clock } = options;
  const dryRun = options.dryRun ?? false;
  const rejects = options.rejects;
  const checkpoint = options.checkpoint ?? (() => {});
  // Before the session's first temp table: temp_buffers only takes effect then.
  await tuneSessionForBulkLoad(db, session.kind);
  if (!(await tryLockImportOwner(db, owner))) {
    throw new ConflictError(`another import for ${owner} is running; wait for it to finish`);
  }
  let runId: number | null = null;
  let createdUserId: number | undefined;
  try {
    const context = stageContext(source, { clock, rejects, onProgress: options.onProgress, checkpoint });
    const mode = options.constraints ?? 'auto';
    // The direct path needs the track ids collected while the tracks are staged, which is before
    // the whole-file checks say whether the file qualifies: collect them whenever it may.
    const mayLoadDirectly =
      rebuildWanted(mode, source.counts.snapshots, await estimateSnapshotRows(db)) &&
      snapshotsCanLoadDirectly(source) &&
      !(await spotifyUserHasSnapshots(db, owner));
    // Staging writes only this session's temp tables, so it runs while the file is still being
    // checked (source.checked, ~0.5 s for 300 MB). Reading a damaged file may fail first; the
    // check's message is then the one to give. Nothing that lasts is written before it passed.
    const tracks = await stageTracks(session, context, mayLoadDirectly).catch(async (error: unknown) => {
      await source.checked;
      throw error;
    });
    collectGarbageNow(); // the tracks' JSON is done with; see landSnapshotsDirectly
    // And only when the file's scan found no date with a time (see snapshotsCanLoadDirectly).
    const direct = mayLoadDirectly && (await source.checked).snapshotDatesHaveTimes === false;
    const sourceSha256 = await sourceHash;
    let userId: number | undefined;
    let interruptedRunsClosed = 0;
    if (!dryRun) {
      const existed = await findUserBySpotifyId(db, owner);
      userId = (await upsertUser(db, { spotifyId: owner })).id;
      if (!existed) createdUserId = userId;
      interruptedRunsClosed = await markInterruptedImportRuns(db, userId, clock.now());
      runId = await startImportRun(db, { userId, sourceSha256, sourceName: options.sourceName ?? basename(options.sourcePath), at: clock.now() });
    }
    const staged = direct ? undefined : await stageSnapshots(session, context);

    // Everything below lands together or not at all.
    await beginSessionTransaction(db);
    let snapshotPages: DirectLoadPages | undefined;
    try {
      if (dryRun) userId = (await upsertUser(db, { spotifyId: owner })).id;
      // Opened before the tracks move, so the reading starts meanwhile (see openSnapshotPages).
      if (direct) snapshotPages = openSnapshotPages(session, source, userId!, tracks.trackIds!);
      const t0 = clock.now().getTime();
      const trackMove = await moveStagedTracks(db, userId!);
      const t1 = clock.now().getTime();
      const landed = snapshotPages
        ? await landSnapshotsDirectly(session, context, owner, userId!, tracks.trackIds!, snapshotPages, started)
        : await moveStagedSnapshotsIn(db, mode, userId!, staged!, started, t0, clock);
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
          rejected: tracks.trackRejected,
          rawJsonNull: tracks.rawJsonNull,
          ms: tracks.tracksStageMs + (t1 - t0),
        },
        snapshots: {
          read: source.counts.snapshots,
          imported: landed.move.imported,
          alreadyPresent: landed.move.alreadyPresent,
          alreadyPresentDiffering: landed.move.differing,
          rejected: landed.rejected,
          ms: (staged?.snapshotsStageMs ?? 0) + (t2 - t1),
        },
        interruptedRunsClosed,
        snapshotLoad: landed.load,
        phasesMs: landed.phasesMs,
        ms: 0,
      };
      report.ms = clock.now().getTime() - started;
      if (runId !== null) await finishImportRun(db, runId, { tracks: report.tracks, snapshots: report.snapshots, ms: report.ms } as never, clock.now());
      checkpoint('before-commit');
      await endSessionTransaction(db, dryRun ? 'rollback' : 'commit');
      checkpoint('committed');
      await rejects?.commit();
      return report;
    } catch (error) {
      await endSessionTransaction(db, 'rollback').catch(() => {});
      throw error;
    } finally {
      await snapshotPages?.close();
    }
  } catch (error) {
    await rejects?.abort().catch(() => {});
    if (runId !== null) await failImportRun(db, runId, errorMessage(error), clock.now()).catch(() => {});
    // A failed import leaves no trace of a user it made up (their failed run row goes with them).
    if (createdUserId !== undefined) await deleteUnusedUser(db, createdUserId).catch(() => {});
    if (error instanceof AppError) throw error;
    throw new AppError('import_failed', 500, `the import failed and nothing was imported: ${errorMessage(error)}`, { cause: error });
  } finally {
    await dropStagingTables(db).catch(() => {});
    await unlockImportOwner(db, owner).catch(() => {});
    await resetBulkLoadTuning(db).catch(() => {});
  }
}

interface LandedSnapshots {
  move: MoveCounts;
  load: ImportReport['snapshotLoad'];
  rejected: Record<string, number>;
  phasesMs: ImportReport['phasesMs'];
}

/** Staged snapshots into the archive, through the live indexes or around a rebuild. */
async function moveStagedSnapshotsIn(
  db: BulkSession['db'],
  mode: NonNullable<ImportOptions['constraints']>,
  userId: number,
  staged: SnapshotStageResult,
  started: number,
  moveStarted: number,
  clock: Clock,
): Promise<LandedSnapshots> {
  const rebuild = rebuildWanted(mode, await countStagedSnapshots(db), await estimateSnapshotRows(db));
  const move = rebuild ? await moveStagedSnapshotsRebuilding(db, userId) : await moveStagedSnapshots(db, userId);
  return {
    move,
    load: rebuild ? 'rebuilt-indexes' : 'row-by-row',
    rejected: staged.snapshotRejected,
    phasesMs: { readConvertCopy: staged.stagedAt - started, setChecks: staged.checkedAt - staged.stagedAt, move: clock.now().getTime() - moveStarted },
  };
}

/** The file's snapshots COPY'd straight into the owner's (empty) archive, keys rebuilt around them. */
async function landSnapshotsDirectly(
  session: BulkSession,
  context: StageContext,
  owner: string,
  userId: number,
  trackIds: TrackIds,
  pages: DirectLoadPages,
  started: number,
): Promise<LandedSnapshots> {
  const { db } = session;
  let loadedAt = 0;
  const loaded = await withSnapshotKeysRebuilt(
    db,
    async () => {
      // The table is locked now: make sure no capture gave the owner rows since the first check.
      if (await spotifyUserHasSnapshots(db, owner)) {
        throw new ConflictError(`${owner}'s archive received snapshots while the import was starting; run it again`);
      }
      // Without the insert triggers, which would keep all its rows in a transition table to find
      // the distinct tracks again: the search rows are added once the keys are back.
      const result = await withSnapshotInsertTriggersOff(db, () => loadSnapshotsDirectly(session, context, trackIds, pages));
      loadedAt = context.clock.now().getTime();
      // The rest is the database's work (index builds, search rows): nothing the reading phase
      // left on the heap is needed, and an embedded import's peak comes during the index builds.
      collectGarbageNow();
      return result;
    },
    () => addArchiveTracksOf(db, userId, namedTrackIds(trackIds)),
  );
  return {
    move: { staged: loaded.loaded, imported: loaded.loaded, alreadyPresent: 0, differing: 0 },
    load: 'direct-copy',
    rejected: loaded.snapshotRejected,
    phasesMs: { readConvertCopy: loadedAt - started, setChecks: 0, move: context.clock.now().getTime() - loadedAt },
  };
}
