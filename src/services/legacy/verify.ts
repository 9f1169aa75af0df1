import type { WithBulkSession } from '../../db/bulk-session.js';
import type { Clock } from '../../lib/clock.js';
import {
  compareSnapshots,
  compareTracks,
  countOrphanSnapshots,
  listArchiveIndexes,
  listSnapshotForeignKeys,
  releaseYearCheck,
  type TableComparison,
} from '../../repositories/legacy-verify.js';
import { dropStagingTables } from '../../repositories/legacy-staging.js';
import { findUserBySpotifyId } from '../../repositories/users.js';
import { validateOwner } from './owner.js';
import { openLegacySource } from './source.js';
import { stageLegacyFile } from './stage.js';
import type { StageProgress } from './stage-stream.js';

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  owner: string;
  checks: VerifyCheck[];
  tracks: TableComparison & { read: number; rejected: number };
  snapshots: TableComparison & { read: number; rejected: number };
}

/** The indexes the archive's queries rely on (see migrations/). */
export const REQUIRED_INDEXES = ['snapshots_pkey', 'snapshots_user_track_date_idx', 'tracks_pkey', 'archive_tracks_search_keys_idx'];
export const REQUIRED_FOREIGN_KEYS = ['FOREIGN KEY (track_id) REFERENCES tracks(track_id)', 'FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE'];

/**
 * Re-reads the legacy file exactly as the import does (same conversions, same rejects) and checks
 * the database against it: every row the file contributes is there with equal content, JSONB
 * answers the release-year query, foreign keys hold and the indexes exist. Writes nothing
 * (temp tables only).
 */
export async function verifyLegacyImport(
  withBulkSession: WithBulkSession,
  options: { sourcePath: string; owner: string; clock: Clock; onProgress?: (p: StageProgress) => void },
): Promise<VerifyReport> {
  const owner = validateOwner(options.owner);
  const source = await openLegacySource(options.sourcePath);
  try {
    return await withBulkSession(async (session) => {
      const { db } = session;
      try {
        const staged = await stageLegacyFile(session, source, { clock: options.clock, onProgress: options.onProgress });
        const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
        const user = await findUserBySpotifyId(db, owner);
        const userId = user?.id ?? -1;
        const tracks = { ...(await compareTracks(db, userId)), read: source.counts.tracks, rejected: sum(staged.trackRejected) };
        const snapshots = { ...(await compareSnapshots(db, userId)), read: source.counts.snapshots, rejected: sum(staged.snapshotRejected) };
        const years = await releaseYearCheck(db, userId);
        const orphans = await countOrphanSnapshots(db, userId);
        const fks = await listSnapshotForeignKeys(db);
        const indexes = await listArchiveIndexes(db);

        const checks: VerifyCheck[] = [
          { name: 'owner exists', ok: user !== undefined, detail: user ? `${owner} is user ${user.id}` : `no user ${owner} in the database` },
          countCheck('tracks', tracks),
          contentCheck('tracks', tracks),
          countCheck('snapshots', snapshots),
          contentCheck('snapshots', snapshots),
          {
            name: 'JSONB queryable',
            ok: years.sourceTracksWithDate === 0 || years.years > 0,
            detail:
              years.sourceTracksWithDate === 0
                ? 'the file has no track with a release date to query'
                : `the release-year query returns ${years.years} year(s)`,
          },
          {
            name: 'foreign keys intact',
            ok: orphans === 0 && REQUIRED_FOREIGN_KEYS.every((fk) => fks.includes(fk)),
            detail: `${orphans} snapshot row(s) without their track; validated: ${fks.join('; ') || 'none'}`,
          },
          {
            name: 'indexes present',
            ok: REQUIRED_INDEXES.every((i) => indexes.includes(i)),
            detail: missingOrAll(REQUIRED_INDEXES, indexes),
          },
        ];
        return { ok: checks.every((c) => c.ok), owner, checks, tracks, snapshots };
      } finally {
        await dropStagingTables(db).catch(() => {});
      }
    });
  } finally {
    source.close();
  }
}

function countCheck(table: string, c: TableComparison & { read: number; rejected: number }): VerifyCheck {
  return {
    name: `${table}: counts`,
    ok: c.present === c.expected && c.expected === c.read - c.rejected,
    detail: `source ${c.read} - rejected ${c.rejected} = ${c.expected} expected; ${c.present} in the database`,
  };
}

function contentCheck(table: string, c: TableComparison): VerifyCheck {
  const ok = c.differing === 0 && c.present === c.expected && c.sourceChecksum === c.databaseChecksum;
  return {
    name: `${table}: content`,
    ok,
    detail: ok ? `checksum ${c.sourceChecksum} on both sides` : `${c.differing} row(s) differ; checksum source ${c.sourceChecksum}, database ${c.databaseChecksum}`,
  };
}

function missingOrAll(required: string[], present: string[]): string {
  const missing = required.filter((i) => !present.includes(i));
  return missing.length ? `missing: ${missing.join(', ')}` : required.join(', ');
}
