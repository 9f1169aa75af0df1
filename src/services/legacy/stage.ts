import type { BulkSession } from '../../db/bulk-session.js';
import { copyLine } from '../../lib/copy-text.js';
import {
  createStagingTables,
  listSnapshotSetRejects,
  REJECTED_TRACK_COLUMNS,
  rejectDuplicateTracks,
  rejectUnloadableSnapshots,
  STAGED_SNAPSHOT_COLUMNS,
  STAGED_TRACK_COLUMNS,
} from '../../repositories/legacy-staging.js';
import type { RejectEntry } from './rejects.js';
import { convertTrack, originalValue, TRACK_COLUMNS, type SqliteValue } from './rows.js';
import { checkSnapshotRow, reportSetRejects } from './snapshot-checks.js';
import type { LegacySource } from './source.js';
import { copyTextOf, stageContext, type StageContext, type StageOptions } from './stage-stream.js';

export type StageResult = TrackStageResult & SnapshotStageResult;

export interface TrackStageResult {
  trackRejected: Record<string, number>;
  rawJsonNull: Record<string, number>;
  tracksStageMs: number;
  /** What a snapshot's track_id may be: ids staged (imported or already present) and ids rejected. */
  trackIds?: TrackIds;
}

export interface TrackIds {
  /**
   * Ids staged (imported or already present), each with whether a loaded snapshot row has named
   * it yet: the direct load marks them as it goes, so it knows the tracks of the rows it loaded
   * (their search rows) without reading the rows again.
   */
  staged: Map<string, boolean>;
  rejected: Set<string>;
}

/** The staged tracks a loaded snapshot row named, in code-unit order. */
export function namedTrackIds(trackIds: TrackIds): string[] {
  const named: string[] = [];
  for (const [id, wasNamed] of trackIds.staged) if (wasNamed) named.push(id);
  return named.sort();
}

/**
 * Streams the legacy file into the session's staging tables: every row converted and checked
 * (rejects go to `rejects` with their reason), good rows COPY'd, then the set-based checks
 * (snapshots whose track is missing or rejected, duplicate keys) remove what cannot load.
 * Afterwards legacy_tracks and legacy_snapshots hold exactly what the file contributes.
 * Shared by import (which then moves the rows) and verify (which compares them).
 */
export async function stageLegacyFile(session: BulkSession, source: LegacySource, options: StageOptions): Promise<StageResult> {
  const context = stageContext(source, options);
  const tracks = await stageTracks(session, context);
  const snapshots = await stageSnapshots(session, context);
  return { ...tracks, ...snapshots };
}

/**
 * Creates the staging tables and stages the file's tracks: converted, checked, COPY'd into
 * legacy_tracks, duplicates removed. With `collectIds`, also returns the ids a snapshot row may
 * reference (memory grows with the number of tracks; callers cap it).
 */
export async function stageTracks(session: BulkSession, context: StageContext, collectIds = false): Promise<TrackStageResult> {
  const { db } = session;
  const { clock, source, emit } = context;
  await createStagingTables(db);

  // Convert, COPY good rows, remember rejected ids (a snapshot of theirs says "track_rejected").
  const tracksStarted = clock.now().getTime();
  const trackRejected: Record<string, number> = {};
  const rawJsonNull: Record<string, number> = {};
  const rejectedIds: string[] = [];
  const stagedIds = collectIds ? new Map<string, boolean>() : undefined;
  const trackLine = (row: SqliteValue[], reject: (entry: RejectEntry) => void): string | undefined => {
    const [rowid, ...values] = row;
    const result = convertTrack(values);
    // Only a reported row needs its original values (most rows are fine: no object per row).
    const originals = () => Object.fromEntries(TRACK_COLUMNS.map((c, i) => [c, originalValue(values[i])]));
    if (!result.ok) {
      trackRejected[result.problem.reason] = (trackRejected[result.problem.reason] ?? 0) + 1;
      if (typeof values[0] === 'string' && values[0] !== '' && !values[0].includes('\u0000')) rejectedIds.push(values[0]);
      const original = originals();
      reject({ table: 'tracks', key: { track_id: original.track_id }, ...result.problem, action: 'rejected', values: original });
      return undefined;
    }
    if (result.rawJsonProblem) {
      const p = result.rawJsonProblem;
      rawJsonNull[p.reason] = (rawJsonNull[p.reason] ?? 0) + 1;
      reject({ table: 'tracks', key: { track_id: result.track.track_id }, ...p, action: 'kept_raw_json_null', values: originals() });
    }
    const t = result.track;
    stagedIds?.set(t.track_id, false);
    return copyLine([Number(rowid), t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json]);
  };
  const stagedRows = await session.copyInto('legacy_tracks', STAGED_TRACK_COLUMNS, copyTextOf(source.tracks(), 'tracks', context, trackLine));
  if (rejectedIds.length) {
    await session.copyInto('legacy_rejected_tracks', REJECTED_TRACK_COLUMNS, (async function* () {
      yield rejectedIds.map((id) => copyLine([id])).join('');
    })());
  }
  // The set-based query finds duplicate ids; with the ids collected, it runs only if there are
  // fewer of them than rows staged.
  for (const dup of stagedIds?.size === stagedRows ? [] : await rejectDuplicateTracks(db)) {
    trackRejected.duplicate_key = (trackRejected.duplicate_key ?? 0) + 1;
    await emit({ table: 'tracks', key: { track_id: dup.track_id }, reason: 'duplicate_key', column: 'track_id', detail: 'the file holds this track id twice; the last row was kept', action: 'rejected', values: { src_rowid: dup.src_rowid } });
  }
  const tracksStageMs = clock.now().getTime() - tracksStarted;
  const trackIds = stagedIds && { staged: stagedIds, rejected: new Set(rejectedIds) };
  return { trackRejected, rawJsonNull, tracksStageMs, ...(trackIds && { trackIds }) };
}

export interface SnapshotStageResult {
  snapshotRejected: Record<string, number>;
  snapshotsStageMs: number;
  stagedAt: number;
  checkedAt: number;
}

/** Stages the file's snapshots (after stageTracks), then runs the set-based checks. */
export async function stageSnapshots(session: BulkSession, context: StageContext): Promise<SnapshotStageResult> {
  const { db } = session;
  const { clock, source, checkpoint } = context;
  const snapshotsStarted = clock.now().getTime();
  const snapshotRejected: Record<string, number> = {};
  let datesWithTime = 0;
  const snapshotLine = (row: SqliteValue[], reject: (entry: RejectEntry) => void): string | undefined => {
    const checked = checkSnapshotRow(row);
    if (!checked.ok) {
      snapshotRejected[checked.entry.reason] = (snapshotRejected[checked.entry.reason] ?? 0) + 1;
      reject(checked.entry);
      return undefined;
    }
    if (checked.dateHadTime) datesWithTime++;
    return `${row[0]}\t${checked.dateHadTime ? 't' : 'f'}\t${checked.fields}`;
  };
  await session.copyInto('legacy_snapshots', STAGED_SNAPSHOT_COLUMNS, copyTextOf(source.snapshots(), 'snapshots', context, snapshotLine));
  checkpoint('staged');
  context.progress('finishing');
  const stagedAt = clock.now().getTime();

  // Keys can only repeat when a time was dropped from a date, or the file lacks the tutorial's key.
  const duplicates = !source.snapshotKeyEnforced ? 'all' : datesWithTime > 0 ? 'timed' : 'none';
  const setRejects = await rejectUnloadableSnapshots(db, { duplicates });
  await reportSetRejects(source, context.emit, (after) => listSnapshotSetRejects(db, after, 1000));
  for (const [reason, n] of Object.entries(setRejects)) if (n > 0) snapshotRejected[reason] = n;
  const snapshotsStageMs = clock.now().getTime() - snapshotsStarted;
  const checkedAt = clock.now().getTime();
  return { snapshotRejected, snapshotsStageMs, stagedAt, checkedAt };
}
