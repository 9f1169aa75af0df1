import { rename, rm, stat } from 'node:fs/promises';
import Sqlite from 'better-sqlite3';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { Db } from '../../repositories/executor.js';
import { listUserSnapshotsPage, listUserTracksPage } from '../../repositories/legacy-export.js';
import { findUserBySpotifyId } from '../../repositories/users.js';
import { validateOwner } from './owner.js';

/**
 * The tutorial's schema, exactly as its Flask app created it: the NOT NULL columns, both primary
 * keys and the snapshots -> tracks foreign key, so `sqlite3 .schema` of an export reads the same
 * as the original file's and the old app runs on it unchanged. Every row we export satisfies
 * them (our own schema is stricter).
 */
export const LEGACY_SCHEMA_SQL = `CREATE TABLE tracks (
    track_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    artist_name TEXT NOT NULL,
    album_name TEXT,
    duration_ms INTEGER,
    spotify_url TEXT,
    raw_json TEXT
);
CREATE TABLE snapshots (
    track_id TEXT NOT NULL,
    snapshot_date TEXT NOT NULL,
    time_range TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (track_id, snapshot_date, time_range),
    FOREIGN KEY (track_id) REFERENCES tracks(track_id)
);
`;

const PAGE = 5000;

export interface ExportReport {
  owner: string;
  path: string;
  tracks: number;
  snapshots: number;
}

/**
 * Writes everything the owner has now (snapshots captured after the move included, and every
 * track they reference) as a legacy SQLite file, so the old app can be redeployed on it.
 * Written to OUT.partial and renamed at the end: a failure never leaves a half file at OUT.
 */
export async function exportLegacyFile(db: Db, options: { owner: string; outPath: string; overwrite?: boolean }): Promise<ExportReport> {
  const owner = validateOwner(options.owner);
  const exists = await stat(options.outPath).then(() => true, () => false);
  if (exists && !options.overwrite) throw new ConflictError(`"${options.outPath}" already exists; choose another name (or --force)`);
  const user = await findUserBySpotifyId(db, owner);
  if (!user) throw new NotFoundError(`no user ${owner} in the database`);

  const partial = `${options.outPath}.partial`;
  await rm(partial, { force: true });
  const out = new Sqlite(partial);
  let tracks = 0;
  let snapshots = 0;
  try {
    out.pragma('journal_mode = DELETE');
    // Enforced while writing, so a broken reference fails the export instead of shipping.
    out.pragma('foreign_keys = ON');
    out.exec(LEGACY_SCHEMA_SQL);
    const insertTrack = out.prepare('INSERT INTO tracks VALUES (?, ?, ?, ?, ?, ?, ?)');
    const insertSnapshot = out.prepare('INSERT INTO snapshots VALUES (?, ?, ?, ?)');
    out.exec('BEGIN');
    for (let after = ''; ; ) {
      const page = await listUserTracksPage(db, user.id, after, PAGE);
      for (const t of page) insertTrack.run(t.track_id, t.name, t.artist_name, t.album_name, t.duration_ms, t.spotify_url, t.raw_json);
      tracks += page.length;
      if (page.length < PAGE) break;
      after = page.at(-1)!.track_id;
    }
    for (let after: Parameters<typeof listUserSnapshotsPage>[2]; ; ) {
      const page = await listUserSnapshotsPage(db, user.id, after, PAGE);
      for (const s of page) insertSnapshot.run(s.track_id, s.snapshot_date, s.time_range, s.rank);
      snapshots += page.length;
      if (page.length < PAGE) break;
      after = page.at(-1)!;
    }
    out.exec('COMMIT');
    out.close();
  } catch (error) {
    if (out.open) out.close();
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, options.outPath);
  return { owner, path: options.outPath, tracks, snapshots };
}
