import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';

// Bulk-load support for archive_tracks, the per-user search table that migration 0009's
// triggers keep. Every function runs inside the caller's transaction, so a failure rolls back
// whatever setting it changed along with the rows.

/** The snapshots insert triggers whose work `addArchiveTracksOf` does for a bulk load instead. */
const SNAPSHOT_INSERT_TRIGGERS = ['snapshots_insert_archive_tracks', 'snapshots_insert_bumps_version'] as const;

/**
 * Runs `load` with archive_tracks' GIN indexes in fast-update mode, then merges what it queued.
 * With fastupdate off (how searches want them: a long pending list is read on every search) each
 * new row's words and trigrams go into the GIN trees one at a time; for a 20,000-track import
 * that took 1.1 s of the 1.6 s spent adding its rows. Queued in the pending list and merged in
 * one sorted pass, the same rows take ~0.45 s. The setting is put back before the caller commits.
 */
export async function withArchiveSearchIndexesBatched<T>(db: Db, load: () => Promise<T>): Promise<T> {
  const gin = await sql<{ name: string }>`
    select c.relname as name from pg_index i
    join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
    where i.indrelid = 'archive_tracks'::regclass and a.amname = 'gin' and 'fastupdate=off' = any (c.reloptions)
    order by c.relname`.execute(db);
  for (const { name } of gin.rows) await sql`alter index ${sql.id(name)} set (fastupdate = on)`.execute(db);
  // Big enough that no insert stops to merge part of the list on its own.
  await sql`set local gin_pending_list_limit = '64MB'`.execute(db);
  const result = await load();
  for (const { name } of gin.rows) {
    await sql`select gin_clean_pending_list(${name}::regclass)`.execute(db);
    await sql`alter index ${sql.id(name)} set (fastupdate = off)`.execute(db);
  }
  await sql`set local gin_pending_list_limit to default`.execute(db);
  return result;
}

/**
 * Runs `load` with the snapshots insert triggers that maintain archive_tracks and
 * archive_versions switched off: for a load of millions of rows by one user, which the triggers
 * would keep in a transition table to find its distinct tracks again (~1 s per 2 million rows).
 * The caller then adds what they would have added with addArchiveTracksOf.
 */
export async function withSnapshotInsertTriggersOff<T>(db: Db, load: () => Promise<T>): Promise<T> {
  const [archive, versions] = SNAPSHOT_INSERT_TRIGGERS;
  await sql`alter table snapshots disable trigger ${sql.id(archive)}, disable trigger ${sql.id(versions)}`.execute(db);
  const result = await load();
  await sql`alter table snapshots enable trigger ${sql.id(archive)}, enable trigger ${sql.id(versions)}`.execute(db);
  return result;
}

/** Track ids per statement: one text[] parameter, under a megabyte. */
const TRACK_IDS_PER_STATEMENT = 20_000;

/**
 * What the snapshots insert triggers do for a user's new rows, given the distinct tracks those
 * rows name (`trackIds`, which the loader collected as it read them: finding them again by
 * skipping through the new index cost ~0.2 s per 20,000 tracks, a heap visit per probe): a search
 * row for each track not in archive_tracks yet (archive_track_search is the triggers' own rule),
 * and one step of the user's archive version, so cached figures are recomputed.
 */
export async function addArchiveTracksOf(db: Db, userId: number, trackIds: readonly string[]): Promise<void> {
  for (let i = 0; i < trackIds.length; i += TRACK_IDS_PER_STATEMENT) {
    await sql`
      insert into archive_tracks (user_id, track_id, name, search_vector, search_keys, search_text)
      select ${userId}, ids.track_id, v.name, v.search_vector, v.search_keys, v.search_text
      from unnest(${trackIds.slice(i, i + TRACK_IDS_PER_STATEMENT)}::text[]) as ids (track_id)
      cross join lateral archive_track_search(${userId}, ids.track_id) v
      order by 2
      on conflict (user_id, track_id) do nothing`.execute(db);
  }
  await sql`
    insert into archive_versions as v (user_id)
    select ${userId} where exists (select 1 from snapshots where user_id = ${userId})
    on conflict (user_id) do update set version = v.version + 1, changed_at = now()`.execute(db);
}
