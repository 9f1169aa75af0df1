import { TIME_RANGES, type TimeRange } from '../lib/time-ranges.js';
import { listConsistentArtists, listMonthlyDistinctArtists, listMonthlyNewShortTermTracks, type MonthWindow } from '../repositories/analytics.js';
import { getDashboardFacts, type DashboardFacts } from '../repositories/dashboard.js';
import type { Db } from '../repositories/executor.js';
import { findArchiveSpan } from '../repositories/snapshots.js';
import { findSnapshotNeighbours, listSnapshotWithMovement, type ChartRow } from '../repositories/time-machine.js';
import { findTrackInArchive, listTrackRanks, summariseTrackRanks, type RankPoint, type RangeSummary, type UserTrack } from '../repositories/track-history.js';
import type { InsightCache } from './insight-cache.js';

/* ---------- Analytics ---------- */

export const ANALYTICS_RANGES = ['6m', '12m', '24m', 'all'] as const;
export type AnalyticsRange = (typeof ANALYTICS_RANGES)[number];
const RANGE_MONTHS: Record<Exclude<AnalyticsRange, 'all'>, number> = { '6m': 6, '12m': 12, '24m': 24 };

export interface Analytics {
  range: AnalyticsRange;
  growth: Array<{ month: string; newTracks: number }>;
  diversity: Array<{ month: string; artists: number }>;
  consistentArtists: Array<{ artist: string; dates: number }>;
}

/** The analytics, and the month of the user's first snapshot (the page explains that month). */
export interface AnalyticsView {
  analytics: Analytics;
  archiveStartMonth: string;
}

/**
 * The analytics of the `range` months ending with the month of the user's latest snapshot
 * (not today: an archive whose captures stopped still shows its last active year), and never
 * before the month of its first snapshot. Every month of the window is listed, with 0 where
 * nothing happened. Undefined when the archive is empty.
 */
export async function getAnalytics(db: Db, cache: InsightCache, userId: number, range: AnalyticsRange): Promise<AnalyticsView | undefined> {
  return cache.get(db, userId, `analytics:${range}`, async () => {
    const span = await findArchiveSpan(db, userId);
    if (!span) return undefined;
    // The window never starts before the archive does: months before the first snapshot would
    // read as "nothing new, no artists" when there simply was no archive yet.
    const windowStart = range === 'all' ? span.first.slice(0, 7) : shiftMonths(span.latest, -(RANGE_MONTHS[range] - 1));
    const months = monthsBetween(windowStart < span.first.slice(0, 7) ? span.first : `${windowStart}-01`, span.latest);
    const window: MonthWindow = { start: `${months[0]}-01`, end: span.latest };
    const [growth, diversity, consistentArtists] = await Promise.all([
      listMonthlyNewShortTermTracks(db, userId, window),
      listMonthlyDistinctArtists(db, userId, window),
      listConsistentArtists(db, userId, window),
    ]);
    const byMonth = (rows: Array<{ month: string; count: number }>) => new Map(rows.map((r) => [r.month, r.count]));
    const newTracks = byMonth(growth);
    const artists = byMonth(diversity);
    const analytics: Analytics = {
      range,
      growth: months.map((month) => ({ month, newTracks: newTracks.get(month) ?? 0 })),
      diversity: months.map((month) => ({ month, artists: artists.get(month) ?? 0 })),
      consistentArtists,
    };
    return { analytics, archiveStartMonth: span.first.slice(0, 7) };
  });
}

/** 'YYYY-MM' of a date shifted by whole months. */
function shiftMonths(isoDate: string, by: number): string {
  const [y, m] = isoDate.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + by;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Every 'YYYY-MM' from the month of `from` to the month of `to`, inclusive. */
function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  const last = to.slice(0, 7);
  for (let month = from.slice(0, 7); month <= last; month = shiftMonths(`${month}-01`, 1)) months.push(month);
  return months;
}

/* ---------- Dashboard ---------- */

export async function getDashboard(db: Db, cache: InsightCache, userId: number): Promise<DashboardFacts> {
  return cache.get(db, userId, 'dashboard', () => getDashboardFacts(db, userId));
}

/* ---------- Time machine ---------- */

export type Movement = 'up' | 'down' | 'same' | 'new' | 're';

export interface TimeMachineEntry {
  rank: number;
  trackId: string;
  name: string;
  artist: string;
  album: string | null;
  spotifyUrl: string | null;
  coverUrl: string | null;
  previousRank: number | null;
  movement: Movement;
  /** Places moved (positive), 0 for same/new/re. */
  change: number;
}

export interface TimeMachine {
  range: TimeRange;
  requestedDate: string | null;
  date: string;
  /** False when the requested date had no snapshot and an earlier (or the first) one is shown. */
  exact: boolean;
  previousDate: string | null;
  nextDate: string | null;
  firstDate: string;
  latestDate: string;
  tracks: TimeMachineEntry[];
}

/**
 * Cached per user, range and requested date: a past snapshot and its movements change only when
 * the user's archive does (a capture, an import or a deletion moves its version).
 */
export async function getTimeMachine(db: Db, cache: InsightCache, userId: number, range: TimeRange, requested: string | null): Promise<TimeMachine | undefined> {
  return cache.get(db, userId, `history:${range}:${requested ?? 'latest'}`, () => loadTimeMachine(db, userId, range, requested));
}

async function loadTimeMachine(db: Db, userId: number, range: TimeRange, requested: string | null): Promise<TimeMachine | undefined> {
  const around = await findSnapshotNeighbours(db, userId, range, requested);
  if (!around) return undefined;
  const rows = await listSnapshotWithMovement(db, userId, range, around.date, around.previous);
  return {
    range,
    requestedDate: requested,
    date: around.date,
    exact: requested === null || requested === around.date,
    previousDate: around.previous,
    nextDate: around.next,
    firstDate: around.first,
    latestDate: around.latest,
    tracks: rows.map(entryOf),
  };
}

function entryOf(row: ChartRow): TimeMachineEntry {
  const movement: Movement =
    row.previous_rank === null ? (row.returning ? 're' : 'new') : row.previous_rank > row.rank ? 'up' : row.previous_rank < row.rank ? 'down' : 'same';
  return {
    rank: row.rank,
    trackId: row.track_id,
    name: row.name,
    artist: row.artist_name,
    album: row.album_name,
    spotifyUrl: row.spotify_url,
    coverUrl: smallestImage(row.album_images, 64),
    previousRank: row.previous_rank,
    movement,
    change: row.previous_rank === null ? 0 : Math.abs(row.previous_rank - row.rank),
  };
}

/**
 * The smallest image at least `min` px wide (Spotify lists 640, 300, 64), as supplied. Only https
 * and data:image URLs are shown (an imported payload could hold anything; an image element runs
 * no script either way); the demo's made-up covers are data:image/svg+xml.
 */
export function smallestImage(images: ChartRow['album_images'], min: number): string | null {
  if (!Array.isArray(images)) return null;
  const usable = images.filter((i) => i && typeof i.url === 'string' && /^(https:\/\/|data:image\/)/.test(i.url));
  if (usable.length === 0) return null;
  const sorted = [...usable].sort((a, b) => (a.width ?? 0) - (b.width ?? 0));
  return (sorted.find((i) => (i.width ?? 0) >= min) ?? sorted.at(-1)!).url;
}

/* ---------- Track page ---------- */

export interface TrackPage {
  track: {
    trackId: string;
    name: string;
    artists: Array<{ name: string; spotifyUrl: string | null }>;
    album: string | null;
    albumUrl: string | null;
    releaseDate: string | null;
    durationMs: number | null;
    explicit: boolean | null;
    spotifyUrl: string | null;
    coverUrl: string | null;
  };
  firstSeen: string;
  lastSeen: string;
  bestRank: number;
  ranges: Array<{ range: TimeRange; firstSeen: string; lastSeen: string; bestRank: number; snapshots: number }>;
  history: Array<{ date: string; range: TimeRange; rank: number }>;
}

/** Cached per user and track: a track's history changes only when the user's archive does. */
export async function getTrackPage(db: Db, cache: InsightCache, userId: number, trackId: string): Promise<TrackPage | undefined> {
  return cache.get(db, userId, `track:${trackId}`, () => loadTrackPage(db, userId, trackId));
}

async function loadTrackPage(db: Db, userId: number, trackId: string): Promise<TrackPage | undefined> {
  const track = await findTrackInArchive(db, userId, trackId);
  if (!track) return undefined;
  const [summary, ranks] = await Promise.all([summariseTrackRanks(db, userId, trackId), listTrackRanks(db, userId, trackId)]);
  const ranges = TIME_RANGES.map((r) => summary.find((s) => s.time_range === r)).filter((s): s is RangeSummary => !!s);
  return {
    track: trackFacts(track),
    firstSeen: ranges.map((r) => r.first_seen).sort()[0]!,
    lastSeen: ranges.map((r) => r.last_seen).sort().at(-1)!,
    bestRank: Math.min(...ranges.map((r) => r.best_rank)),
    ranges: ranges.map((r) => ({ range: r.time_range, firstSeen: r.first_seen, lastSeen: r.last_seen, bestRank: r.best_rank, snapshots: r.snapshots })),
    history: ranks.map((p: RankPoint) => ({ date: p.snapshot_date, range: p.time_range, rank: p.rank })),
  };
}

/** What the track page shows, read from the payload where it has the field (the columns otherwise). */
function trackFacts(track: UserTrack): TrackPage['track'] {
  const raw = (track.raw_json ?? {}) as Record<string, unknown>;
  const album = isObject(raw.album) ? raw.album : undefined;
  const artists = Array.isArray(raw.artists)
    ? raw.artists.filter(isObject).map((a) => ({ name: String(a.name ?? ''), spotifyUrl: spotifyLink(a) })).filter((a) => a.name !== '')
    : [];
  return {
    trackId: track.track_id,
    name: track.name,
    artists: artists.length > 0 ? artists : [{ name: track.artist_name, spotifyUrl: null }],
    album: track.album_name,
    albumUrl: album ? spotifyLink(album) : null,
    releaseDate: album && typeof album.release_date === 'string' ? album.release_date : null,
    durationMs: typeof raw.duration_ms === 'number' ? raw.duration_ms : track.duration_ms,
    explicit: typeof raw.explicit === 'boolean' ? raw.explicit : null,
    spotifyUrl: track.spotify_url,
    coverUrl: album ? smallestImage(album.images as ChartRow['album_images'], 300) : null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function spotifyLink(object: Record<string, unknown>): string | null {
  const urls = object.external_urls;
  const url = isObject(urls) ? urls.spotify : undefined;
  return typeof url === 'string' && url.startsWith('https://') ? url : null;
}
