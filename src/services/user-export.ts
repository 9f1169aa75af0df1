import type { Db } from '../repositories/executor.js';
import { listUserSnapshotsPage } from '../repositories/legacy-export.js';
import {
  listExportTracksPage,
  listImportRuns,
  listPlaylistsForExport,
} from '../repositories/user-data.js';
import { getUser } from '../repositories/users.js';

/** Rows read per query: memory stays one page whatever the archive's size. */
const PAGE = 5000;

export const EXPORT_FORMAT = 'music-time-machine-export/v1';

/**
 * Everything one user owns, as one JSON document written piece by piece (an async iterable of
 * text chunks, one page of rows at a time), so a large archive streams to the browser instead of
 * being built in memory. Never includes tokens. Shape documented in docs/API.md.
 */
export async function* exportUserJson(db: Db, userId: number, now: Date): AsyncGenerator<string> {
  const user = await getUser(db, userId);
  const head = {
    format: EXPORT_FORMAT,
    exportedAt: now.toISOString(),
    user: {
      spotifyId: user.spotify_id,
      displayName: user.display_name,
      createdAt: user.created_at.toISOString(),
      lastLoginAt: user.last_login_at?.toISOString() ?? null,
    },
    importRuns: (await listImportRuns(db, userId)).map((r) => ({
      id: r.id,
      sourceName: r.source_name,
      status: r.status,
      startedAt: r.started_at.toISOString(),
      finishedAt: r.finished_at?.toISOString() ?? null,
    })),
    playlists: (await listPlaylistsForExport(db, userId)).map((p) => ({
      spotifyPlaylistId: p.spotify_playlist_id,
      name: p.name,
      source: p.source,
      parameters: p.parameters,
      trackCount: p.track_count,
      createdAt: p.created_at.toISOString(),
    })),
  };
  // The small parts as one object, then the two long arrays appended to it row by row.
  yield JSON.stringify(head).slice(0, -1);

  yield ',"tracks":[';
  let first = true;
  for (let after = ''; ; ) {
    const page = await listExportTracksPage(db, userId, after, PAGE);
    if (page.length > 0) {
      yield (first ? '' : ',') + page.map((t) => JSON.stringify(t)).join(',');
      first = false;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.track_id;
  }

  yield '],"snapshots":[';
  first = true;
  for (let after: Parameters<typeof listUserSnapshotsPage>[2]; ; ) {
    const page = await listUserSnapshotsPage(db, userId, after, PAGE);
    if (page.length > 0) {
      // The export's documented key order (docs/API.md), whatever order the query returns.
      yield (first ? '' : ',') + page.map((s) => JSON.stringify({ snapshot_date: s.snapshot_date, time_range: s.time_range, rank: s.rank, track_id: s.track_id })).join(',');
      first = false;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!;
  }
  yield ']}\n';
}
