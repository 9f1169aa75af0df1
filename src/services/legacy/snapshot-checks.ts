import { copyLine } from '../../lib/copy-text.js';
import { isTimeRange, TIME_RANGES } from '../../lib/time-ranges.js';
import type { RejectEntry } from './rejects.js';
import { convertSnapshot, MAX_RANK, MIN_RANK, originalValue, SNAPSHOT_COLUMNS, type SqliteValue } from './rows.js';
import type { LegacySource } from './source.js';
import { isSnapshotDate, type SnapshotPageRules } from './snapshot-page-check.js';

// The per-row check of a snapshot row (shared by the staged and the direct load), and the reject
// lines of rows a set-based check refused.

/** Characters that COPY would need escaped, or PostgreSQL cannot store: such ids take the slow path. */
const UNSAFE_ID = /[\\\t\n\r\u0000]/;

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
    typeof date === 'string' && date.length === 10 && isSnapshotDate(date) &&
    isTimeRange(range) &&
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

/** The rules a page of COPY lines is checked against (snapshot-page-check.js): this file's. */
export function snapshotPageRules(prefix: string): SnapshotPageRules {
  return { prefix, timeRanges: TIME_RANGES, minRank: MIN_RANK, maxRank: MAX_RANK };
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
type SetRejectPages = (afterRowid: number) => Promise<ReadonlyArray<{ src_rowid: number; reason: string }>>;

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
