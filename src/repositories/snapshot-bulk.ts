import { sql } from '../db/kysely.js';
import type { SnapshotsTable } from '../db/schema.js';
import { withArchiveSearchIndexesBatched } from './archive-tracks.js';
import type { Db } from './executor.js';

/** Rows per statement: one JSON parameter each, a few MB at most. */
const ROWS_PER_STATEMENT = 20_000;

/**
 * Bulk path for generated history (demo seed): inserts snapshot rows for (user, range, date)
 * keys that have no rows yet; rows already present are left as they are (ON CONFLICT DO NOTHING),
 * so a rerun is harmless. Not for captures: replaceSnapshot is the all-or-nothing path for those.
 * The tracks must already be stored. Returns the number of rows inserted.
 *
 * The rows travel as one JSON document per statement and are unpacked by jsonb_to_recordset:
 * on PGlite this is ~10x faster than a multi-row VALUES list with five parameters per row.
 */
export async function insertSnapshotRowsBulk(db: Db, rows: readonly SnapshotsTable[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT));
    const result = await sql`
      INSERT INTO snapshots (user_id, track_id, snapshot_date, time_range, rank)
      SELECT user_id, track_id, snapshot_date, time_range, rank
      FROM jsonb_to_recordset(${chunk}::jsonb)
        AS r(user_id bigint, track_id text, snapshot_date date, time_range text, rank smallint)
      ON CONFLICT DO NOTHING`.execute(db);
    inserted += Number(result.numAffectedRows ?? 0);
  }
  return inserted;
}

/**
 * Runs `load` with the snapshots table stripped of its primary key, indexes and foreign keys, then
 * puts them back; for loading millions of rows into a table that holds few (typically the first
 * migration of a legacy archive). Inserting millions of rows one index entry and two foreign-key
 * trigger calls at a time is several times slower than loading the bare heap and building each
 * index in one sort; re-adding each foreign key checks every row in one pass, and re-adding the
 * key fails the whole load on a duplicate.
 *
 * One batching scope of archive_tracks' search indexes (withArchiveSearchIndexesBatched) covers
 * everything that adds search rows: the insert triggers during `load`, and `afterRebuild`, for a
 * load that adds them itself once the keys are back (the direct legacy load). New entries are
 * queued and merged once at the end.
 *
 * Must run inside the caller's transaction. The definitions are read from the catalog, so later
 * migrations are honoured. The cost: the table is locked (ACCESS EXCLUSIVE) until commit, so
 * captures and pages that read snapshots wait for it.
 */
export async function withSnapshotKeysRebuilt<T>(db: Db, load: () => Promise<T>, afterRebuild?: () => Promise<void>): Promise<T> {
  await sql`lock table snapshots in access exclusive mode`.execute(db);
  const constraints = await sql<{ name: string; type: 'p' | 'f'; definition: string }>`
    select conname as name, contype as type, pg_get_constraintdef(oid) as definition
    from pg_constraint where conrelid = 'snapshots'::regclass and contype in ('p', 'f')
    order by contype desc, conname`.execute(db); // 'p' first when re-adding: drop in reverse
  const indexes = await sql<{ definition: string; name: string }>`
    select pg_get_indexdef(i.indexrelid) as definition, c.relname as name
    from pg_index i join pg_class c on c.oid = i.indexrelid
    where i.indrelid = 'snapshots'::regclass
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
    order by c.relname`.execute(db);
  for (const c of [...constraints.rows].reverse()) {
    await sql`alter table snapshots drop constraint ${sql.id(c.name)}`.execute(db);
  }
  for (const i of indexes.rows) await sql`drop index ${sql.id(i.name)}`.execute(db);

  return withArchiveSearchIndexesBatched(db, async () => {
    const result = await load();
    for (const c of constraints.rows.filter((k) => k.type === 'p')) {
      await sql`alter table snapshots add constraint ${sql.id(c.name)} ${sql.raw(c.definition)}`.execute(db);
    }
    for (const i of indexes.rows) await sql.raw(i.definition).execute(db);
    for (const c of constraints.rows.filter((k) => k.type === 'f')) {
      await sql`alter table snapshots add constraint ${sql.id(c.name)} ${sql.raw(c.definition)}`.execute(db);
    }
    await afterRebuild?.();
    return result;
  });
}

/** Whether the Spotify user has any snapshot rows (false when there is no such user). */
export async function spotifyUserHasSnapshots(db: Db, spotifyId: string): Promise<boolean> {
  const result = await sql<{ found: boolean }>`
    select exists (select 1 from snapshots s join users u on u.id = s.user_id where u.spotify_id = ${spotifyId}) as found`.execute(db);
  return result.rows[0]?.found === true;
}
