import type { BulkSession } from '../../db/bulk-session.js';
import type { Clock } from '../../lib/clock.js';
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
import type { RejectEntry, RejectSink } from './rejects.js';
import { convertSnapshot, convertTrack, MAX_RANK, MIN_RANK, parseSnapshotDate, TIME_RANGES, originalValue, SNAPSHOT_COLUMNS, TRACK_COLUMNS, type SqliteValue } from './rows.js';
import type { LegacySource } from './source.js';

/** Characters that COPY would need escaped, or PostgreSQL cannot store: such ids take the slow path. */
const UNSAFE_ID = /[\\\t\n\r\u0000]/;

/** Snapshot dates repeat a lot (150 rows a day): remember which YYYY-MM-DD strings are real dates. */
const dateCache = new Map<string, boolean>();
function isValidDate(text: string): boolean {
  let valid = dateCache.get(text);
  if (valid === undefined) {
    const parsed = parseSnapshotDate(text);
    valid = parsed !== undefined && !parsed.hadTime;
    if (dateCache.size < 100_000) dateCache.set(text, valid);
  }
  return valid;
}

/** Rows per COPY chunk (and per progress tick). */
export const IMPORT_CHUNK_ROWS = 5000;

export interface StageProgress {
  phase: 'tracks' | 'snapshots' | 'finishing';
  rowsRead: number;
  totalRows: number;
}

export interface StageOptions {
  clock: Clock;
  rejects?: RejectSink | undefined;
  onProgress?: ((progress: StageProgress) => void) | undefined;
  checkpoint?: ((name: string) => void) | undefined;
}

export type StageResult = TrackStageResult & SnapshotStageResult;

export interface TrackStageResult {
  trackRejected: Record<string, number>;
  rawJsonNull: Record<string, number>;
  tracksStageMs: number;
  /** What a snapshot's track_id may be: ids staged (imported or already present) and ids rejected. */
  trackIds?: TrackIds;
}

export interface TrackIds {
  staged: Set<string>;
  rejected: Set<string>;
}

/** Shared state of one staging run: the progress counter runs across both tables. */
export interface StageContext extends StageOptions {
  source: LegacySource;
  progress(phase: StageProgress['phase']): void;
  countRow(): void;
  emit(entry: RejectEntry): Promise<void>;
  checkpoint(name: string): void;
}

export function stageContext(source: LegacySource, options: StageOptions): StageContext {
  const totalRows = source.counts.tracks + source.counts.snapshots;
  let rowsRead = 0;
  return {
    ...options,
    source,
    progress: (phase) => options.onProgress?.({ phase, rowsRead, totalRows }),
    countRow: () => void rowsRead++,
    emit: async (entry) => options.rejects?.write(entry),
    checkpoint: options.checkpoint ?? (() => {}),
  };
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
  const stagedIds = collectIds ? new Set<string>() : undefined;
  const trackLine = (row: SqliteValue[], reject: (entry: RejectEntry) => void): string | undefined => {
    const [rowid, ...values] = row;
    const result = convertTrack(values);
    const originals = Object.fromEntries(TRACK_COLUMNS.map((c, i) => [c, originalValue(values[i])]));
    if (!result.ok) {
      trackRejected[result.problem.reason] = (trackRejected[result.problem.reason] ?? 0) + 1;
      if (typeof values[0] === 'string' && values[0] !== '' && !values[0].includes('\u0000')) rejectedIds.push(values[0]);
      reject({ table: 'tracks', key: { track_id: originals.track_id }, ...result.problem, action: 'rejected', values: originals });
      return undefined;
    }
    if (result.rawJsonProblem) {
      const p = result.rawJsonProblem;
      rawJsonNull[p.reason] = (rawJsonNull[p.reason] ?? 0) + 1;
      reject({ table: 'tracks', key: { track_id: result.track.track_id }, ...p, action: 'kept_raw_json_null', values: originals });
    }
    const t = result.track;
    stagedIds?.add(t.track_id);
    return copyLine([Number(rowid), t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json]);
  };
  await session.copyInto('legacy_tracks', STAGED_TRACK_COLUMNS, copyTextOf(source.tracks(), 'tracks', context, trackLine));
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

/**
 * The COPY text of a table's rows, for session.copyInto. `toLine` turns one source row into its
 * COPY line, or undefined when the row is rejected (it reports why through `reject`). The text is
 * cut into chunks (CopyChunker); before each chunk goes out, the rejects met so far are written,
 * then progress is reported and the checkpoint `<phase>-chunk-N` is passed. So rejects keep
 * source order, and the per-row work stays synchronous (no await per row).
 */
export async function* copyTextOf(
  rows: Iterable<SqliteValue[]>,
  phase: 'tracks' | 'snapshots',
  context: StageContext,
  toLine: (row: SqliteValue[], reject: (entry: RejectEntry) => void) => string | undefined,
): AsyncGenerator<string> {
  const chunks = new CopyChunker();
  let pending: RejectEntry[] = [];
  const reject = (entry: RejectEntry) => void pending.push(entry);
  const writeRejects = async () => {
    for (const entry of pending) await context.emit(entry);
    pending = [];
  };
  for (const row of rows) {
    context.countRow();
    const full = chunks.add(toLine(row, reject));
    if (full !== undefined) {
      await writeRejects();
      yield full;
      context.progress(phase);
      context.checkpoint(`${phase}-chunk-${chunks.done}`);
    }
  }
  await writeRejects();
  const rest = chunks.rest();
  if (rest) yield rest;
  context.progress(phase);
}

/**
 * One snapshot row checked on its own: `fields` is its COPY text after the first column
 * (track_id, snapshot_date, time_range, rank and the newline); or the reject line to write.
 */
export type CheckedSnapshot =
  | { ok: true; trackId: string; fields: string; dateHadTime: boolean }
  | { ok: false; entry: RejectEntry };

/** `row` is [rowid, ...SNAPSHOT_COLUMNS] as the source yields it. */
export function checkSnapshotRow(row: readonly SqliteValue[]): CheckedSnapshot {
  // Fast path for the common clean row (same rules as convertSnapshot, fewer allocations).
  const [, trackId, date, range, rank] = row;
  if (
    typeof trackId === 'string' && trackId !== '' && !UNSAFE_ID.test(trackId) &&
    typeof date === 'string' && date.length === 10 && isValidDate(date) &&
    typeof range === 'string' && TIME_RANGES.has(range) &&
    typeof rank === 'number' && Number.isInteger(rank) && rank >= MIN_RANK && rank <= MAX_RANK
  ) {
    return { ok: true, trackId, fields: `${trackId}\t${date}\t${range}\t${rank}\n`, dateHadTime: false };
  }
  const values = row.slice(1);
  const result = convertSnapshot(values);
  if (!result.ok) return { ok: false, entry: snapshotReject(values, result.problem) };
  const s = result.snapshot;
  return { ok: true, trackId: s.track_id, fields: copyLine([s.track_id, s.snapshot_date, s.time_range, s.rank]), dateHadTime: s.dateHadTime };
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

/** A page of set-based rejects after a source rowid, in rowid order. */
export type SetRejectPages = (afterRowid: number) => Promise<ReadonlyArray<{ src_rowid: number; reason: string }>>;

/** Writes the set-based rejects with their original values, re-read from the file by rowid. */
export async function reportSetRejects(source: LegacySource, emit: (e: RejectEntry) => Promise<void>, pageAfter: SetRejectPages): Promise<void> {
  let after = 0;
  for (;;) {
    const page = await pageAfter(after);
    if (page.length === 0) return;
    const originals = source.snapshotsByRowid(page.map((r) => r.src_rowid));
    for (const r of page) {
      const values = (originals.get(r.src_rowid) ?? []).slice(1);
      await emit(snapshotReject(values, { reason: r.reason, ...SET_REJECT_DETAILS[r.reason]! }));
    }
    after = page.at(-1)!.src_rowid;
  }
}

/**
 * COPY text cut into chunks of IMPORT_CHUNK_ROWS source rows. Rejected rows count too (they add
 * no line), so chunk N always ends at the same source row and kill points are reproducible.
 */
export class CopyChunker {
  #text = '';
  #rows = 0;
  #done = 0;

  /** Takes one source row's COPY line (undefined when rejected); returns the chunk once it is full. */
  add(line: string | undefined): string | undefined {
    if (line !== undefined) this.#text += line;
    if (++this.#rows < IMPORT_CHUNK_ROWS) return undefined;
    const full = this.#text;
    this.#text = '';
    this.#rows = 0;
    this.#done++;
    return full;
  }

  /** How many full chunks were handed out. */
  get done(): number {
    return this.#done;
  }

  /** The last, partial chunk ('' when the rows divided evenly). */
  rest(): string {
    const rest = this.#text;
    this.#text = '';
    return rest;
  }
}
