import { TIME_RANGES, type TimeRange } from '../lib/time-ranges.js';
import type { Clock } from '../lib/clock.js';
import { toIsoDate } from '../lib/dates.js';
import type { CaptureCounts } from '../repositories/capture-status.js';
import type { Db } from '../repositories/executor.js';
import { inTransaction } from '../repositories/executor.js';
import { MAX_SNAPSHOT_TRACKS, replaceSnapshot } from '../repositories/snapshots.js';
import { upsertTracks } from '../repositories/tracks.js';
import { trackRowFromSpotify, type SpotifyTrackFields } from './track-rows.js';

/** What a capture needs from Spotify: one user's top tracks (token handling is the reader's job). */
export interface TopTracksReader {
  getTopTracks(
    timeRange: TimeRange,
    page: { limit: number; offset: number },
  ): Promise<{ items: ReadonlyArray<(SpotifyTrackFields & Record<string, unknown>) | LocalFileItem> }>;
}

/** A local file among the top tracks: no Spotify id, so nothing to archive. */
export interface LocalFileItem {
  id: null;
}

export interface CaptureDeps {
  db: Db;
  clock: Clock;
  /** A reader acting for one user; throws the Spotify errors (rate limit, re-auth, unavailable). */
  spotifyFor(userId: number): Promise<TopTracksReader>;
}

export interface CaptureResult {
  userId: number;
  /** The UTC date the snapshot is stored under. */
  snapshotDate: string;
  counts: CaptureCounts;
  /** Local files (id: null) Spotify listed among the top tracks, over all ranges: skipped, not ranked. */
  skippedLocalFiles: number;
  /** 'nothing_to_capture': Spotify has no top tracks for this account yet (all ranges empty). */
  outcome: 'captured' | 'nothing_to_capture';
}

/**
 * Captures one user's top 50 for each range into the snapshot of `date` (default: today, UTC).
 *
 * Each range is fetched and then stored in its own transaction (tracks upserted, that date's
 * ranking replaced), so a range is stored whole or not at all. Ranges are taken in order and the
 * first failure stops the capture: ranges already stored stay, later ones are left for the
 * retry, which replaces them all again (same date, same key).
 */
export async function captureSnapshot(deps: CaptureDeps, userId: number, options: { date?: string } = {}): Promise<CaptureResult> {
  const snapshotDate = options.date ?? toIsoDate(deps.clock.now());
  const spotify = await deps.spotifyFor(userId);
  const counts = { short_term: 0, medium_term: 0, long_term: 0 } satisfies CaptureCounts;
  let skippedLocalFiles = 0;
  for (const timeRange of TIME_RANGES) {
    const page = await spotify.getTopTracks(timeRange, { limit: MAX_SNAPSHOT_TRACKS, offset: 0 });
    skippedLocalFiles += page.items.filter((item) => item.id === null).length;
    const tracks = rankable(page.items);
    await inTransaction(deps.db, async (trx) => {
      await upsertTracks(trx, tracks.map(trackRowFromSpotify));
      await replaceSnapshot(trx, { userId, snapshotDate, timeRange, trackIds: tracks.map((t) => t.id) });
    });
    counts[timeRange] = tracks.length;
  }
  const total = counts.short_term + counts.medium_term + counts.long_term;
  return { userId, snapshotDate, counts, skippedLocalFiles, outcome: total === 0 ? 'nothing_to_capture' : 'captured' };
}

/**
 * The tracks to rank, in Spotify's order. Local files have no id and cannot be archived;
 * a track Spotify lists twice keeps its first (higher) place. Ranks are then 1..n without gaps.
 */
function rankable<T extends SpotifyTrackFields>(items: ReadonlyArray<T | LocalFileItem>): T[] {
  const seen = new Set<string>();
  const kept: T[] = [];
  for (const item of items) {
    if (!isArchivable(item) || seen.has(item.id)) continue;
    seen.add(item.id);
    kept.push(item);
    if (kept.length === MAX_SNAPSHOT_TRACKS) break;
  }
  return kept;
}

function isArchivable<T extends SpotifyTrackFields>(item: T | LocalFileItem | null | undefined): item is T {
  return typeof item?.id === 'string' && item.id !== '';
}
