import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';
import { withSnapshotKeysRebuilt } from './snapshot-bulk.js';

/**
 * The SQL of the legacy import's staging area: session-local temp tables that COPY fills, and
 * the set-based statements that check them and move them into the real tables. Runs on a bulk
 * session (db/bulk-session.ts), since temp tables belong to one session.
 */
export const STAGED_TRACK_COLUMNS = ['src_rowid', 'track_id', 'name', 'artist_name', 'album_name', 'duration_ms', 'spotify_url', 'raw_json'] as const;
export const STAGED_SNAPSHOT_COLUMNS = ['src_rowid', 'date_had_time', 'track_id', 'snapshot_date', 'time_range', 'rank'] as const;
export const REJECTED_TRACK_COLUMNS = ['track_id'] as const;

export async function createStagingTables(db: Db): Promise<void> {
  await dropStagingTables(db);
  // Ids and ranges collate as in the real tables (migration 0003): byte order sorts fast.
  await sql`
    create temp table legacy_tracks (
      src_rowid bigint not null, track_id text collate "C" not null, name text not null, artist_name text not null,
      album_name text, duration_ms integer, spotify_url text, raw_json jsonb);
    create temp table legacy_rejected_tracks (track_id text collate "C" not null);
    create temp table legacy_snapshots (
      src_rowid bigint not null, date_had_time boolean not null, track_id text collate "C" not null, snapshot_date date not null,
      time_range text collate "C" not null, rank smallint not null);
    create temp table legacy_snapshot_rejects (src_rowid bigint not null, reason text not null);
  `.execute(db);
}

export async function dropStagingTables(db: Db): Promise<void> {
  await sql`
    drop table if exists legacy_tracks; drop table if exists legacy_rejected_tracks;
    drop table if exists legacy_snapshots; drop table if exists legacy_snapshot_rejects;
  `.execute(db);
}

export interface SetRejects {
  duplicate_key: number;
  track_rejected: number;
  track_missing: number;
}

/**
 * Which staged keys may repeat: 'none' (the file's key makes every row unique), 'timed' (only
 * keys of rows whose date lost its time: '2024-01-03 08:00:00' next to '2024-01-03'), or 'all'
 * (a file without the tutorial's key).
 */
export type DuplicateCheck = 'none' | 'timed' | 'all';

/**
 * Set-based checks on staged snapshots: their track must be among the file's importable tracks
 * (SQLite never enforced that foreign key), and a key may appear once (the last written row
 * wins, as INSERT OR REPLACE did). Rejected rows are listed in legacy_snapshot_rejects and
 * removed from staging. Duplicate tracks get the same treatment (only possible in a file without
 * the tutorial's key).
 */
export async function rejectUnloadableSnapshots(db: Db, options: { duplicates: DuplicateCheck }): Promise<SetRejects> {
  if (options.duplicates !== 'none') {
    // Ranking every row costs seconds on millions; with 'timed' only the few keys that can repeat.
    await sql`
      insert into legacy_snapshot_rejects (src_rowid, reason)
      select src_rowid, 'duplicate_key' from (
        select s.src_rowid, row_number() over (
          partition by s.time_range, s.snapshot_date, s.track_id order by s.src_rowid desc) as n
        from legacy_snapshots s
        ${options.duplicates === 'timed'
          ? sql`where (s.time_range, s.snapshot_date, s.track_id) in (
              select time_range, snapshot_date, track_id from legacy_snapshots where date_had_time)`
          : sql``}) ranked
      where n > 1`.execute(db);
  }
  await sql`
    insert into legacy_snapshot_rejects (src_rowid, reason)
    select s.src_rowid,
           case when exists (select 1 from legacy_rejected_tracks r where r.track_id = s.track_id)
                then 'track_rejected' else 'track_missing' end
    from legacy_snapshots s
    where not exists (select 1 from legacy_tracks t where t.track_id = s.track_id)`.execute(db);
  const counts = await sql<{ reason: keyof SetRejects; n: number }>`
    select reason, count(*)::int as n from legacy_snapshot_rejects group by reason`.execute(db);
  const result: SetRejects = { duplicate_key: 0, track_rejected: 0, track_missing: 0 };
  for (const row of counts.rows) result[row.reason] = row.n;
  if (counts.rows.length > 0) {
    await sql`delete from legacy_snapshots s using legacy_snapshot_rejects r where s.src_rowid = r.src_rowid`.execute(db);
  }
  return result;
}

/** Snapshot rows rejected by the set-based checks, in source order, a page at a time. */
export async function listSnapshotSetRejects(db: Db, afterRowid: number, limit: number) {
  const result = await sql<{ src_rowid: number; reason: string }>`
    select src_rowid::float8 as src_rowid, reason from legacy_snapshot_rejects
    where src_rowid > ${afterRowid} order by src_rowid limit ${limit}`.execute(db);
  return result.rows;
}

/** Track ids that appear more than once in staging (a file without the tutorial's key). */
export async function rejectDuplicateTracks(db: Db): Promise<Array<{ src_rowid: number; track_id: string }>> {
  const result = await sql<{ src_rowid: number; track_id: string }>`
    delete from legacy_tracks t using (
      select src_rowid from (
        select src_rowid, row_number() over (partition by track_id order by src_rowid desc) as n from legacy_tracks) r
      where n > 1) d
    where t.src_rowid = d.src_rowid
    returning t.src_rowid::float8 as src_rowid, t.track_id`.execute(db);
  return result.rows;
}

export interface MoveCounts {
  staged: number;
  imported: number;
  alreadyPresent: number;
  /** Already present with different content: the database's version was kept. */
  differing: number;
}

/**
 * Staged tracks into the owner's own copy (user_tracks) and, for ids the catalogue does not
 * have yet, a placeholder catalogue row (file_only: shown to nobody, it only anchors the
 * snapshots' foreign key). A file never changes a row another user sees: see visibleTracks.
 * Insert-only: a rerun writes nothing; the counts are about the owner's copy.
 */
export async function moveStagedTracks(db: Db, userId: number): Promise<MoveCounts> {
  const staged = await countRows(db, 'legacy_tracks');
  await sql`
    insert into tracks (track_id, name, artist_name, album_name, duration_ms, spotify_url, raw_json, file_only)
    select track_id, name, artist_name, album_name, duration_ms, spotify_url, raw_json, true from legacy_tracks
    on conflict (track_id) do nothing`.execute(db);
  const inserted = await sql`
    insert into user_tracks (user_id, track_id, name, artist_name, album_name, duration_ms, spotify_url, raw_json)
    select ${userId}, track_id, name, artist_name, album_name, duration_ms, spotify_url, raw_json from legacy_tracks
    on conflict (user_id, track_id) do nothing`.execute(db);
  const imported = Number(inserted.numAffectedRows ?? 0n);
  let differing = 0;
  if (imported < staged) {
    const diff = await sql<{ n: number }>`
      select count(*)::int as n from legacy_tracks s join user_tracks t on t.user_id = ${userId} and t.track_id = s.track_id
      where (t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json)
            is distinct from (s.name, s.artist_name, s.album_name, s.duration_ms, s.spotify_url, s.raw_json)`.execute(db);
    differing = diff.rows[0]?.n ?? 0;
  }
  return { staged, imported, alreadyPresent: staged - imported, differing };
}

/** Staged snapshots into the owner's archive; insert-only, like tracks. */
export async function moveStagedSnapshots(db: Db, userId: number): Promise<MoveCounts> {
  const staged = await countRows(db, 'legacy_snapshots');
  const inserted = await sql`
    insert into snapshots (user_id, track_id, snapshot_date, time_range, rank)
    select ${userId}, track_id, snapshot_date, time_range, rank from legacy_snapshots
    on conflict do nothing`.execute(db);
  const imported = Number(inserted.numAffectedRows ?? 0n);
  const differing = imported < staged ? await countDifferingSnapshots(db, userId) : 0;
  return { staged, imported, alreadyPresent: staged - imported, differing };
}

/**
 * The same move for a large import into a table no bigger than the import: the key, indexes and
 * foreign keys are rebuilt around the insert (see withSnapshotKeysRebuilt).
 */
export async function moveStagedSnapshotsRebuilding(db: Db, userId: number): Promise<MoveCounts> {
  const staged = await countRows(db, 'legacy_snapshots');
  const imported = await withSnapshotKeysRebuilt(db, async () => {
    // No index to resolve conflicts with: leave out, by hand, the keys the archive already has.
    const inserted = await sql`
      insert into snapshots (user_id, track_id, snapshot_date, time_range, rank)
      select ${userId}, s.track_id, s.snapshot_date, s.time_range, s.rank from legacy_snapshots s
      where not exists (
        select 1 from snapshots p where p.user_id = ${userId} and p.time_range = s.time_range
          and p.snapshot_date = s.snapshot_date and p.track_id = s.track_id)`.execute(db);
    return Number(inserted.numAffectedRows ?? 0n);
  });
  const differing = imported < staged ? await countDifferingSnapshots(db, userId) : 0;
  return { staged, imported, alreadyPresent: staged - imported, differing };
}

/** Staged snapshot rows already in the archive with another rank (reported, never overwritten). */
async function countDifferingSnapshots(db: Db, userId: number): Promise<number> {
  const diff = await sql<{ n: number }>`
    select count(*)::int as n from legacy_snapshots s
    join snapshots p on p.user_id = ${userId} and p.time_range = s.time_range
      and p.snapshot_date = s.snapshot_date and p.track_id = s.track_id
    where p.rank <> s.rank`.execute(db);
  return diff.rows[0]?.n ?? 0;
}

/** Rows in the snapshots table, from the planner's statistics (cheap; an estimate). */
export async function estimateSnapshotRows(db: Db): Promise<number> {
  const result = await sql<{ n: number }>`
    select greatest(reltuples, 0)::float8 as n from pg_class where oid = 'snapshots'::regclass`.execute(db);
  return result.rows[0]?.n ?? 0;
}

export async function countStagedSnapshots(db: Db): Promise<number> {
  return countRows(db, 'legacy_snapshots');
}

async function countRows(db: Db, table: 'legacy_tracks' | 'legacy_snapshots'): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
  return result.rows[0]?.n ?? 0;
}

/** One import per owner at a time (across processes); released when the session ends. */
export async function tryLockImportOwner(db: Db, owner: string): Promise<boolean> {
  const result = await sql<{ locked: boolean }>`select pg_try_advisory_lock(74021, hashtext(${owner})) as locked`.execute(db);
  return result.rows[0]?.locked === true;
}

export async function unlockImportOwner(db: Db, owner: string): Promise<void> {
  await sql`select pg_advisory_unlock(74021, hashtext(${owner}))`.execute(db);
}
