import { sql } from 'kysely';
import type { Db } from './executor.js';
import { visibleTracks } from './visible-tracks.js';

/** The home page's figures for one user, each computed in SQL over that user's slice only. */

export interface ArchiveOverview {
  /** Distinct tracks in any of the user's snapshots. */
  tracks: number;
  /** Distinct snapshot dates (any range). */
  dates: number;
  /** Distinct (date, range) snapshots. */
  snapshots: number;
  first: string | null;
  latest: string | null;
}

export async function getArchiveOverview(db: Db, userId: number): Promise<ArchiveOverview> {
  const row = await db
    .selectFrom('snapshots')
    .select([
      sql<number>`count(distinct track_id)`.as('tracks'),
      sql<number>`count(distinct snapshot_date)`.as('dates'),
      sql<number>`count(distinct (snapshot_date, time_range))`.as('snapshots'),
      sql<string | null>`min(snapshot_date)`.as('first'),
      sql<string | null>`max(snapshot_date)`.as('latest'),
    ])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return { tracks: Number(row.tracks), dates: Number(row.dates), snapshots: Number(row.snapshots), first: row.first, latest: row.latest };
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

/** The artist present on the most of the user's snapshot dates (ties: most tracks, then name). */
export async function findMostConsistentArtist(db: Db, userId: number): Promise<ConsistentArtist | undefined> {
  const row = await db
    .selectFrom('snapshots as s')
    .innerJoin(visibleTracks(db, userId).as('t'), 't.track_id', 's.track_id')
    .select([
      't.artist_name as artist',
      sql<number>`count(distinct s.snapshot_date)`.as('dates'),
      sql<number>`count(distinct s.track_id)`.as('tracks'),
      sql<number>`(select count(distinct d.snapshot_date) from snapshots d where d.user_id = ${userId})`.as('of_dates'),
    ])
    .where('s.user_id', '=', userId)
    .groupBy('t.artist_name')
    .orderBy('dates', 'desc')
    .orderBy('tracks', 'desc')
    .orderBy('t.artist_name')
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
