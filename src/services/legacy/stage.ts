import type { BulkSession } from '../../db/bulk-session.js';
import type { Clock } from '../../lib/clock.js';
import { copyField, copyLine } from '../../lib/copy-text.js';
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

export interface StageResult {
  trackRejected: Record<string, number>;
  rawJsonNull: Record<string, number>;
  snapshotRejected: Record<string, number>;
  tracksStageMs: number;
  snapshotsStageMs: number;
  stagedAt: number;
  checkedAt: number;
}

/**
 * Streams the legacy file into the session's staging tables: every row converted and checked
 * (rejects go to `rejects` with their reason), good rows COPY'd, then the set-based checks
 * (snapshots whose track is missing or rejected, duplicate keys) remove what cannot load.
 * Afterwards legacy_tracks and legacy_snapshots hold exactly what the file contributes.
 * Shared by import (which then moves the rows) and verify (which compares them).
 */
export async function stageLegacyFile(session: BulkSession, source: LegacySource, options: StageOptions): Promise<StageResult> {
  const stager = new Stager(session, source, options);
  await stager.stageTracks();
  await stager.stageSnapshots();
  return stager.result();
}

/**
 * The staging steps one by one, sharing counters and the reject sink, so the import can stage
 * tracks, open its transaction, and then either stage snapshots or COPY them straight in.
 */
export class Stager {
  readonly trackRejected: Record<string, number> = {};
  readonly rawJsonNull: Record<string, number> = {};
  readonly snapshotRejected: Record<string, number> = {};
  /** Track ids of the file that will be in tracks, and of rejected track rows (for direct loads). */
  readonly acceptedIds = new Set<string>();
  readonly rejectedIds = new Set<string>();
  tracksStageMs = 0;
  snapshotsStageMs = 0;
  stagedAt = 0;
  checkedAt = 0;
  #rowsRead = 0;
  readonly #totalRows: number;
  readonly #checkpoint: (name: string) => void;

  constructor(
    private readonly session: BulkSession,
    private readonly source: LegacySource,
    private readonly options: StageOptions,
  ) {
    this.#totalRows = source.counts.tracks + source.counts.snapshots;
    this.#checkpoint = options.checkpoint ?? (() => {});
  }

  result(): StageResult {
    const { trackRejected, rawJsonNull, snapshotRejected, tracksStageMs, snapshotsStageMs, stagedAt, checkedAt } = this;
    return { trackRejected, rawJsonNull, snapshotRejected, tracksStageMs, snapshotsStageMs, stagedAt, checkedAt };
  }

  #progress(phase: StageProgress['phase']): void {
    this.options.onProgress?.({ phase, rowsRead: this.#rowsRead, totalRows: this.#totalRows });
  }

  async #emit(entry: RejectEntry): Promise<void> {
    await this.options.rejects?.write(entry);
  }

  /** Tracks: convert, COPY good rows into legacy_tracks, remember rejected ids. */
  async stageTracks(): Promise<void> {
    const { session, options } = this;
    const { db } = session;
    await createStagingTables(db);
    const tracksStarted = options.clock.now().getTime();
    const rejectedIds: string[] = [];
    await session.copyInto('legacy_tracks', STAGED_TRACK_COLUMNS, this.#trackChunks(rejectedIds));
    if (rejectedIds.length) {
      await session.copyInto('legacy_rejected_tracks', REJECTED_TRACK_COLUMNS, (async function* () {
        yield rejectedIds.map((id) => copyLine([id])).join('');
      })());
    }
    for (const dup of await rejectDuplicateTracks(db)) {
      this.trackRejected.duplicate_key = (this.trackRejected.duplicate_key ?? 0) + 1;
      await this.#emit({ table: 'tracks', key: { track_id: dup.track_id }, reason: 'duplicate_key', column: 'track_id', detail: 'the file holds this track id twice; the last row was kept', action: 'rejected', values: { src_rowid: dup.src_rowid } });
    }
    this.tracksStageMs = options.clock.now().getTime() - tracksStarted;
  }

  async *#trackChunks(rejectedIds: string[]): AsyncGenerator<string> {
    let chunkNo = 0;
    let chunk = '';
    let inChunk = 0;
    for (const row of this.source.tracks()) {
      const [rowid, ...values] = row;
      this.#rowsRead++;
      const result = convertTrack(values);
      const originals = Object.fromEntries(TRACK_COLUMNS.map((c, i) => [c, originalValue(values[i])]));
      if (!result.ok) {
        this.trackRejected[result.problem.reason] = (this.trackRejected[result.problem.reason] ?? 0) + 1;
        if (typeof values[0] === 'string' && values[0] !== '' && !values[0].includes('\u0000')) {
          rejectedIds.push(values[0]);
          this.rejectedIds.add(values[0]);
        }
        await this.#emit({ table: 'tracks', key: { track_id: originals.track_id }, ...result.problem, action: 'rejected', values: originals });
      } else {
        if (result.rawJsonProblem) {
          const p = result.rawJsonProblem;
          this.rawJsonNull[p.reason] = (this.rawJsonNull[p.reason] ?? 0) + 1;
          await this.#emit({ table: 'tracks', key: { track_id: result.track.track_id }, ...p, action: 'kept_raw_json_null', values: originals });
        }
        const t = result.track;
        this.acceptedIds.add(t.track_id);
        chunk += copyLine([Number(rowid), t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json]);
      }
      if (++inChunk === IMPORT_CHUNK_ROWS) {
        yield chunk;
        chunk = '';
        inChunk = 0;
        this.#progress('tracks');
        this.#checkpoint(`tracks-chunk-${++chunkNo}`);
      }
    }
    if (chunk) yield chunk;
    this.#progress('tracks');
  }

  /**
   * Snapshot rows as COPY text: each row converted and checked; `line` formats a good row.
   * With `checkTrack`, a row whose track will not be in tracks is rejected here (direct loads).
   */
  async *#snapshotChunks(line: (rowid: unknown, s: { track_id: string; snapshot_date: string; time_range: string; rank: number }) => string, checkTrack: boolean, counters: { datesWithTime: number; rows: number }): AsyncGenerator<string> {
    let chunk = '';
    let inChunk = 0;
    let chunkNo = 0;
    for (const row of this.source.snapshots()) {
      this.#rowsRead++;
      // Fast path for the common clean row (same rules as convertSnapshot, fewer allocations).
      const [rowid, trackId, date, range, rank] = row;
      let good: { track_id: string; snapshot_date: string; time_range: string; rank: number } | undefined;
      if (
        typeof trackId === 'string' && trackId !== '' && !UNSAFE_ID.test(trackId) &&
        typeof date === 'string' && date.length === 10 && isValidDate(date) &&
        typeof range === 'string' && TIME_RANGES.has(range) &&
        typeof rank === 'number' && Number.isInteger(rank) && rank >= MIN_RANK && rank <= MAX_RANK
      ) {
        good = { track_id: trackId, snapshot_date: date, time_range: range, rank };
      } else {
        const values = row.slice(1);
        const result = convertSnapshot(values);
        if (!result.ok) {
          this.snapshotRejected[result.problem.reason] = (this.snapshotRejected[result.problem.reason] ?? 0) + 1;
          await this.#emit(snapshotReject(values, result.problem));
        } else {
          if (result.snapshot.dateHadTime) counters.datesWithTime++;
          good = result.snapshot;
        }
      }
      if (good && checkTrack && !this.acceptedIds.has(good.track_id)) {
        const reason = this.rejectedIds.has(good.track_id) ? 'track_rejected' : 'track_missing';
        this.snapshotRejected[reason] = (this.snapshotRejected[reason] ?? 0) + 1;
        await this.#emit(snapshotReject(row.slice(1), { reason, ...SET_REJECT_DETAILS[reason]! }));
        good = undefined;
      }
      if (good) {
        chunk += line(rowid, good);
        counters.rows++;
      }
      if (++inChunk === IMPORT_CHUNK_ROWS) {
        yield chunk;
        chunk = '';
        inChunk = 0;
        this.#progress('snapshots');
        this.#checkpoint(`snapshots-chunk-${++chunkNo}`);
      }
    }
    if (chunk) yield chunk;
    this.#progress('snapshots');
  }

  /** Snapshots into legacy_snapshots, then the set-based checks remove what cannot load. */
  async stageSnapshots(): Promise<void> {
    const { session, source, options } = this;
    const started = options.clock.now().getTime();
    const counters = { datesWithTime: 0, rows: 0 };
    const line = (rowid: unknown, s: { track_id: string; snapshot_date: string; time_range: string; rank: number }) =>
      `${rowid}\t${copyField(s.track_id)}\t${s.snapshot_date}\t${s.time_range}\t${s.rank}\n`;
    await session.copyInto('legacy_snapshots', STAGED_SNAPSHOT_COLUMNS, this.#snapshotChunks(line, false, counters));
    this.#checkpoint('staged');
    this.#progress('finishing');
    this.stagedAt = options.clock.now().getTime();
    // Keys can only repeat when a time was dropped from a date, or the file lacks the tutorial's key.
    const checkDuplicates = counters.datesWithTime > 0 || !source.snapshotKeyEnforced;
    const setRejects = await rejectUnloadableSnapshots(session.db, { checkDuplicates });
    await reportSetRejects(session, source, (e) => this.#emit(e));
    for (const [reason, n] of Object.entries(setRejects)) if (n > 0) this.snapshotRejected[reason] = n;
    this.snapshotsStageMs = options.clock.now().getTime() - started;
    this.checkedAt = options.clock.now().getTime();
  }

  /**
   * Snapshots COPY'd straight into `snapshots` for `userId` (no staging copy): for an owner
   * with no snapshots yet and a file whose keys cannot collide (the caller checks both), so
   * every good row is new. The foreign-key check is done here against the file's tracks.
   */
  async copySnapshotsDirect(userId: number): Promise<number> {
    const { session, options } = this;
    const started = options.clock.now().getTime();
    const counters = { datesWithTime: 0, rows: 0 };
    const line = (_rowid: unknown, s: { track_id: string; snapshot_date: string; time_range: string; rank: number }) =>
      `${userId}\t${copyField(s.track_id)}\t${s.snapshot_date}\t${s.time_range}\t${s.rank}\n`;
    await session.copyInto('snapshots', ['user_id', 'track_id', 'snapshot_date', 'time_range', 'rank'], this.#snapshotChunks(line, true, counters));
    this.#checkpoint('staged');
    this.#progress('finishing');
    this.stagedAt = options.clock.now().getTime();
    this.checkedAt = this.stagedAt;
    this.snapshotsStageMs = this.stagedAt - started;
    return counters.rows;
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
