import { inTransaction, type Db } from './executor.js';
import { visibleTracks } from './visible-tracks.js';

/** Everything one user owns, for Settings: export it, or delete it. */

export interface UserDataCounts {
  snapshotRows: number;
  playlists: number;
  importRuns: number;
  tokens: number;
}

/**
 * Deletes the user and every row they own (snapshots, playlists log, import runs, capture status,
 * tokens), in one transaction. Tracks stay: the catalogue is shared, and a track no one references
 * any more is harmless. Returns what was deleted; undefined when there was no such user.
 * The foreign keys cascade too; the explicit deletes make the list of what goes reviewable here.
 */
export async function deleteUserAndData(db: Db, userId: number): Promise<UserDataCounts | undefined> {
  return inTransaction(db, async (trx) => {
    // Lock the user's row first: a capture running right now (it locks the same row) finishes
    // before, or finds the user gone, never half-written around the delete.
    const user = await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
    if (!user) return undefined;
    const snapshots = await trx.deleteFrom('snapshots').where('user_id', '=', userId).executeTakeFirst();
    const playlists = await trx.deleteFrom('playlists').where('user_id', '=', userId).executeTakeFirst();
    const importRuns = await trx.deleteFrom('import_runs').where('user_id', '=', userId).executeTakeFirst();
    const tokens = await trx.deleteFrom('spotify_tokens').where('user_id', '=', userId).executeTakeFirst();
    await trx.deleteFrom('capture_status').where('user_id', '=', userId).execute();
    await trx.deleteFrom('users').where('id', '=', userId).execute();
    return {
      snapshotRows: Number(snapshots.numDeletedRows),
      playlists: Number(playlists.numDeletedRows),
      importRuns: Number(importRuns.numDeletedRows),
      tokens: Number(tokens.numDeletedRows),
    };
  });
}

export interface ImportRunSummary {
  id: number;
  source_name: string | null;
  status: string;
  started_at: Date;
  finished_at: Date | null;
}

export async function listImportRuns(db: Db, userId: number): Promise<ImportRunSummary[]> {
  return db
    .selectFrom('import_runs')
    .select(['id', 'source_name', 'status', 'started_at', 'finished_at'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

export interface ExportPlaylistRow {
  spotify_playlist_id: string;
  name: string;
  source: string;
  parameters: unknown;
  track_count: number;
  created_at: Date;
}

export async function listPlaylistsForExport(db: Db, userId: number): Promise<ExportPlaylistRow[]> {
  return db
    .selectFrom('playlists')
    .select(['spotify_playlist_id', 'name', 'source', 'parameters', 'track_count', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
}

export interface ExportTrackRow {
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  duration_ms: number | null;
  spotify_url: string | null;
  raw_json: unknown;
}

/** The tracks in the user's snapshots, as the user sees them, after `afterTrackId` in byte order. */
export async function listExportTracksPage(db: Db, userId: number, afterTrackId: string, limit: number): Promise<ExportTrackRow[]> {
  return db
    .selectFrom(visibleTracks(db, userId).as('t'))
    .select(['t.track_id', 't.name', 't.artist_name', 't.album_name', 't.duration_ms', 't.spotify_url', 't.raw_json'])
    .where('t.track_id', '>', afterTrackId)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('snapshots as s').select('s.track_id').where('s.user_id', '=', userId).whereRef('s.track_id', '=', 't.track_id')),
    )
    .orderBy('t.track_id')
    .limit(limit)
    .execute();
}
