import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';
import { visibleTrack } from './visible-tracks.js';

/** The home page's figures for one user, each computed in SQL over that user's slice only. */

export interface ArchiveOverview {
  /** Distinct tracks in any of the user's snapshots. */
  tracks: number;
  /** Distinct snapshot dates (any range). */
  dates: number;
  /** Distinct (date, range) snapshots. */
  snapshots: number;
  /** Ranked rows (one per track per snapshot). */
  rows: number;
  first: string | null;
  latest: string | null;
}

/**
 * The archive's size in one pass over the user's slice. Snapshots are counted from a grouping in
 * primary-key order (user, date, range, ...), which needs no sort, rather than with
 * count(distinct (date, range)), which sorts every row (10x slower on a year of daily captures).
 */
export async function getArchiveOverview(db: Db, userId: number): Promise<ArchiveOverview> {
  const result = await sql<{ tracks: number; dates: number; snapshots: number; rows: number; first: string | null; latest: string | null }>`
    with per_snapshot as (
      select snapshot_date, count(*) as n from snapshots where user_id = ${userId}
      group by snapshot_date, time_range
    )
    select
      (select count(*) from (select distinct track_id from snapshots where user_id = ${userId}) t)::int as tracks,
      count(distinct snapshot_date)::int as dates,
      count(*)::int as snapshots,
      coalesce(sum(n), 0)::int as rows,
      min(snapshot_date)::text as first,
      max(snapshot_date)::text as latest
    from per_snapshot`.execute(db);
  const row = result.rows[0]!;
  return { tracks: Number(row.tracks), dates: Number(row.dates), snapshots: Number(row.snapshots), rows: Number(row.rows), first: row.first, latest: row.latest };
}

export interface Turnover {
  latestDate: string;
  previousDate: string;
  /** Tracks in the latest short-term snapshot. */
  latestCount: number;
  /** Of those, tracks absent from the short-term snapshot before it. */
  newCount: number;
  /** newCount / latestCount, 0..100, one decimal. */
  percent: number;
}

/**
 * Turnover between the two latest short-term snapshots: the share of the latest one that was not
 * in the one before. Undefined until there are two short-term snapshots.
 */
export async function findShortTermTurnover(db: Db, userId: number): Promise<Turnover | undefined> {
  const result = await sql<{ latest_date: string; previous_date: string; latest_count: number; new_count: number }>`
    with dates as (
      select distinct snapshot_date from snapshots
      where user_id = ${userId} and time_range = 'short_term'
      order by snapshot_date desc limit 2
    ),
    pair as (select max(snapshot_date) as latest, min(snapshot_date) as previous, count(*) as n from dates)
    select pair.latest::text as latest_date, pair.previous::text as previous_date,
           count(*)::int as latest_count,
           count(*) filter (where not exists (
             select 1 from snapshots p
             where p.user_id = ${userId} and p.time_range = 'short_term'
               and p.snapshot_date = pair.previous and p.track_id = s.track_id))::int as new_count
    from pair
    join snapshots s on s.user_id = ${userId} and s.time_range = 'short_term' and s.snapshot_date = pair.latest
    where pair.n = 2
    group by pair.latest, pair.previous`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const latestCount = Number(row.latest_count);
  const newCount = Number(row.new_count);
  return {
    latestDate: row.latest_date,
    previousDate: row.previous_date,
    latestCount,
    newCount,
    percent: latestCount === 0 ? 0 : Math.round((newCount / latestCount) * 1000) / 10,
  };
}

export interface ConsistentArtist {
  artist: string;
  /** Snapshot dates (any range) on which at least one of the artist's tracks appears. */
  dates: number;
  /** The user's snapshot dates in all. */
  ofDates: number;
}

/**
 * The artist present on the most of the user's snapshot dates (ties: by name). Ranges are folded
 * first (one row per track and date), then (artist, date) pairs are grouped, which hashes instead
 * of sorting every row as count(distinct ...) would.
 */
export async function findMostConsistentArtist(db: Db, userId: number): Promise<ConsistentArtist | undefined> {
  const row = await db
    .with('track_dates', (qb) =>
      qb.selectFrom('snapshots').select(['track_id', 'snapshot_date']).where('user_id', '=', userId).groupBy(['track_id', 'snapshot_date']),
    )
    .with('artist_dates', (qb) =>
      qb
        .selectFrom('track_dates as d')
        .innerJoinLateral(visibleTrack(db, userId, 'd.track_id').as('t'), (join) => join.onTrue())
        .select(['t.artist_name', 'd.snapshot_date'])
        .groupBy(['t.artist_name', 'd.snapshot_date']),
    )
    .selectFrom('artist_dates')
    .select([
      'artist_name as artist',
      sql<number>`count(*)`.as('dates'),
      sql<number>`(select count(distinct snapshot_date) from track_dates)`.as('of_dates'),
    ])
    .groupBy('artist_name')
    .orderBy('dates', 'desc')
    .orderBy('artist_name')
    .limit(1)
    .executeTakeFirst();
  return row && { artist: row.artist, dates: Number(row.dates), ofDates: Number(row.of_dates) };
}

export interface DiscoveryPoint {
  date: string;
  /** Short-term tracks whose first short-term appearance is this date. */
  firstSeen: number;
}

/** For every short-term snapshot date, how many of its tracks the user had never had short-term before. */
export async function listShortTermDiscoveries(db: Db, userId: number): Promise<DiscoveryPoint[]> {
  const result = await sql<{ date: string; first_seen: number }>`
    with firsts as (
      select track_id, min(snapshot_date) as first_date
      from snapshots where user_id = ${userId} and time_range = 'short_term'
      group by track_id
    ),
    dates as (
      select distinct snapshot_date from snapshots where user_id = ${userId} and time_range = 'short_term'
    )
    select d.snapshot_date::text as date, count(f.track_id)::int as first_seen
    from dates d left join firsts f on f.first_date = d.snapshot_date
    group by d.snapshot_date
    order by d.snapshot_date`.execute(db);
  return result.rows.map((r) => ({ date: r.date, firstSeen: Number(r.first_seen) }));
}
