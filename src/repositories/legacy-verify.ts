import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

/**
 * Comparisons between a staged legacy file (legacy_tracks, legacy_snapshots: what the file
 * contributes, see services/legacy/stage.ts) and what the database holds for its owner.
 */
export interface TableComparison {
  expected: number;
  present: number;
  differing: number;
  sourceChecksum: string;
  databaseChecksum: string;
}

// Checksums: md5 over every row's canonical text, in key order; jsonb prints canonically, so two
// equal JSON documents hash alike whatever their original spacing or key order.
/**
 * The staged file's tracks against what the owner imported: their own copy (user_tracks), or
 * for archives imported before per-owner copies existed, the catalogue row.
 */
export async function compareTracks(db: Db, userId: number): Promise<TableComparison> {
  const result = await sql<Omit<TableComparison, 'sourceChecksum' | 'databaseChecksum'> & { source_md5: string | null; db_md5: string | null }>`
    select count(*)::int as expected,
           count(t.track_id)::int as present,
           count(*) filter (where t.track_id is not null and
             (t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json)
             is distinct from (s.name, s.artist_name, s.album_name, s.duration_ms, s.spotify_url, s.raw_json))::int as differing,
           md5(string_agg(row(s.track_id, s.name, s.artist_name, s.album_name, s.duration_ms, s.spotify_url, s.raw_json)::text, E'\\n' order by s.track_id collate "C")) as source_md5,
           md5(string_agg(row(t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json)::text, E'\\n' order by s.track_id collate "C")) as db_md5
    from legacy_tracks s
    left join user_tracks u on u.user_id = ${userId} and u.track_id = s.track_id
    left join lateral (
      select u.track_id, u.name, u.artist_name, u.album_name, u.duration_ms, u.spotify_url, u.raw_json where u.track_id is not null
      union all
      select c.track_id, c.name, c.artist_name, c.album_name, c.duration_ms, c.spotify_url, c.raw_json from tracks c
      where u.track_id is null and c.track_id = s.track_id
    ) t on true`.execute(db);
  const r = result.rows[0]!;
  return { expected: r.expected, present: r.present, differing: r.differing, sourceChecksum: r.source_md5 ?? md5Empty, databaseChecksum: r.db_md5 ?? md5Empty };
}

export async function compareSnapshots(db: Db, userId: number): Promise<TableComparison> {
  const result = await sql<Omit<TableComparison, 'sourceChecksum' | 'databaseChecksum'> & { source_md5: string | null; db_md5: string | null }>`
    select count(*)::int as expected,
           count(p.track_id)::int as present,
           count(*) filter (where p.track_id is not null and p.rank <> s.rank)::int as differing,
           md5(string_agg(concat_ws('|', s.time_range, s.snapshot_date, s.track_id, s.rank), E'\\n'
               order by s.time_range collate "C", s.snapshot_date, s.track_id collate "C")) as source_md5,
           md5(string_agg(concat_ws('|', p.time_range, p.snapshot_date, p.track_id, p.rank), E'\\n'
               order by s.time_range collate "C", s.snapshot_date, s.track_id collate "C")) as db_md5
    from legacy_snapshots s
    left join snapshots p on p.user_id = ${userId} and p.time_range = s.time_range
      and p.snapshot_date = s.snapshot_date and p.track_id = s.track_id`.execute(db);
  const r = result.rows[0]!;
  return { expected: r.expected, present: r.present, differing: r.differing, sourceChecksum: r.source_md5 ?? md5Empty, databaseChecksum: r.db_md5 ?? md5Empty };
}

const md5Empty = 'd41d8cd98f00b204e9800998ecf8427e';

/** The dashboard's release-year query over the owner's archive, and how many staged tracks carry a release date. */
export async function releaseYearCheck(db: Db, userId: number): Promise<{ years: number; sourceTracksWithDate: number }> {
  const years = await sql<{ n: number }>`
    select count(*)::int as n from (
      select left(t.raw_json->'album'->>'release_date', 4) as year
      from snapshots s join tracks t on t.track_id = s.track_id
      where s.user_id = ${userId} and t.raw_json->'album'->>'release_date' is not null
      group by 1) y`.execute(db);
  const withDate = await sql<{ n: number }>`
    select count(*)::int as n from legacy_tracks where raw_json->'album'->>'release_date' is not null`.execute(db);
  return { years: years.rows[0]!.n, sourceTracksWithDate: withDate.rows[0]!.n };
}

/** Owner's snapshot rows whose track is not in tracks (impossible while the foreign key holds). */
export async function countOrphanSnapshots(db: Db, userId: number): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from snapshots s
    where s.user_id = ${userId} and not exists (select 1 from tracks t where t.track_id = s.track_id)`.execute(db);
  return result.rows[0]!.n;
}

/** Validated foreign keys on snapshots, as "column -> table". */
export async function listSnapshotForeignKeys(db: Db): Promise<string[]> {
  const result = await sql<{ def: string }>`
    select pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = 'snapshots'::regclass and contype = 'f' and convalidated order by 1`.execute(db);
  return result.rows.map((r) => r.def);
}

/** Valid indexes on tracks, snapshots and archive_tracks (search), by name. */
export async function listArchiveIndexes(db: Db): Promise<string[]> {
  const result = await sql<{ name: string }>`
    select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid in ('tracks'::regclass, 'snapshots'::regclass, 'archive_tracks'::regclass) and i.indisvalid order by 1`.execute(db);
  return result.rows.map((r) => r.name);
}
