import type { NewTrack, SnapshotsTable } from '../db/schema.js';
import { TIME_RANGES, type TimeRange } from '../lib/time-ranges.js';
import { toIsoDate } from '../lib/dates.js';
import { inTransaction, type Db } from '../repositories/executor.js';
import { insertSnapshotRowsBulk } from '../repositories/snapshot-bulk.js';
import { findLatestSnapshot } from '../repositories/snapshots.js';
import { upsertTracks } from '../repositories/tracks.js';
import { clearNeedsReauth, recordSpotifyAuthorization, upsertUser } from '../repositories/users.js';
import type { Clock } from '../lib/clock.js';
import type { TokenCipher } from '../lib/token-cipher.js';
import type { SpotifyTokenResponse } from '../spotify/types.js';
import { saveTokenResponse } from './spotify-user.js';
import { trackRowFromSpotify, type SpotifyTrackFields } from './track-rows.js';

/** Where demo history comes from: the fake Spotify's listeners and its taste model. */
export interface DemoHistorySource {
  listeners: ReadonlyArray<{ id: string; display_name: string; account_id?: string }>;
  topTracks(spotifyId: string, timeRange: TimeRange, date: Date): ReadonlyArray<Record<string, unknown>>;
}

export interface DemoSeedOptions {
  /** The last day to seed (YYYY-MM-DD, UTC), usually today. */
  today: string;
  /** How many days up to `today` (365: a year). */
  days: number;
  /** Days per transaction (default 61): short transactions let requests in between on PGlite. */
  chunkDays?: number;
  /** Stops between chunks (shutdown); what was written stays consistent and the next run resumes. */
  signal?: AbortSignal;
}

export interface DemoSeedResult {
  users: number;
  /** Snapshots (one user, date and range) written by this run; 0 when already seeded. */
  snapshotsWritten: number;
  rows: number;
}

const DAY_MS = 86_400_000;

/**
 * Gives each demo listener a daily archive for the `days` days up to `today`, generated from the
 * same taste model the fake Spotify answers with, so a later live capture agrees with it.
 * Idempotent and incremental: for each range only dates after the newest stored snapshot are
 * written, oldest first, in transactions of `chunkDays` days; so a restart on a seeded data
 * folder writes nothing, an interrupted seed resumes where it stopped, and a start a week later
 * fills just that week.
 */
export async function seedDemoHistory(db: Db, source: DemoHistorySource, options: DemoSeedOptions): Promise<DemoSeedResult> {
  const todayMs = Date.parse(`${options.today}T00:00:00Z`);
  const firstMs = todayMs - (options.days - 1) * DAY_MS;
  const chunkDays = options.chunkDays ?? 61;
  let snapshotsWritten = 0;
  let rowsWritten = 0;

  // The listeners first, so they can log in while their history is still being written.
  const users = [];
  for (const listener of source.listeners) {
    users.push({
      listener,
      user: await upsertUser(db, { spotifyId: listener.id, displayName: listener.display_name, accountId: listener.account_id ?? null }),
    });
  }

  for (const { listener, user } of users) {
    for (const range of TIME_RANGES) {
      const latest = await findLatestSnapshot(db, user.id, range);
      let startMs = latest ? Math.max(firstMs, Date.parse(`${latest.snapshotDate}T00:00:00Z`) + DAY_MS) : firstMs;
      while (startMs <= todayMs) {
        if (options.signal?.aborted) return { users: users.length, snapshotsWritten, rows: rowsWritten };
        const endMs = Math.min(todayMs, startMs + (chunkDays - 1) * DAY_MS);
        const tracks = new Map<string, NewTrack>();
        const rows: SnapshotsTable[] = [];
        for (let day = startMs; day <= endMs; day += DAY_MS) {
          const date = toIsoDate(new Date(day));
          const top = source.topTracks(listener.id, range, new Date(day + DAY_MS / 2));
          top.forEach((track, i) => {
            const row = trackRowFromSpotify(track as unknown as SpotifyTrackFields & Record<string, unknown>);
            tracks.set(row.track_id, row);
            rows.push({ user_id: user.id, track_id: row.track_id, snapshot_date: date, time_range: range, rank: i + 1 });
          });
          snapshotsWritten += 1;
        }
        await inTransaction(db, async (trx) => {
          await upsertTracks(trx, [...tracks.values()]);
          // Only dates with no stored rows reach here, so a plain bulk insert is exact, and an
          // order of magnitude faster than one replaceSnapshot per date.
          rowsWritten += await insertSnapshotRowsBulk(trx, rows);
        });
        startMs = endMs + DAY_MS;
      }
    }
  }
  return { users: users.length, snapshotsWritten, rows: rowsWritten };
}

/**
 * Demo mode: the in-process fake forgets its tokens on every start, so each start gives every
 * demo listener fresh tokens (stored encrypted, like real ones). Scheduled captures then work for
 * them as for real users, logged in or not.
 */
export async function connectDemoListeners(
  deps: { db: Db; cipher: TokenCipher; clock: Clock },
  listeners: DemoHistorySource['listeners'],
  issueTokens: (spotifyId: string) => SpotifyTokenResponse,
): Promise<void> {
  for (const listener of listeners) {
    await inTransaction(deps.db, async (trx) => {
      const user = await upsertUser(trx, { spotifyId: listener.id, displayName: listener.display_name, accountId: listener.account_id ?? null });
      await saveTokenResponse({ ...deps, db: trx }, user.id, issueTokens(listener.id));
      await clearNeedsReauth(trx, user.id);
      await recordSpotifyAuthorization(trx, user.id, deps.clock.now());
    });
  }
}
