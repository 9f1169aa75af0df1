import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';
import { trackArtistNames } from './track-artists.js';
import { visibleTrack } from './visible-tracks.js';

/** A window of whole months, first day of the first month to the last day of the last. */
export interface MonthWindow {
  /** YYYY-MM-DD, the 1st of the first month. */
  start: string;
  /** YYYY-MM-DD, inclusive. */
  end: string;
}

export interface MonthCount {
  month: string;
  count: number;
}

/**
 * Short-term tracks seen for the first time, per month of the window: a track counts in the month
 * of its first short-term appearance in the user's whole archive (so a track first seen before the
 * window never counts as new inside it). Months without any are absent (the caller fills zeros).
 */
export async function listMonthlyNewShortTermTracks(db: Db, userId: number, window: MonthWindow): Promise<MonthCount[]> {
  const result = await sql<MonthCount>`
    select to_char(first_seen, 'YYYY-MM') as month, count(*)::int as count
    from (
      select track_id, min(snapshot_date) as first_seen
      from snapshots
      where user_id = ${userId} and time_range = 'short_term' and snapshot_date <= ${window.end}
      group by track_id
    ) f
    where first_seen >= ${window.start}
    group by 1
    order by 1`.execute(db);
  return result.rows;
}

/** Distinct credited artists among all the user's snapshot tracks (any range), per month. */
export async function listMonthlyDistinctArtists(db: Db, userId: number, window: MonthWindow): Promise<MonthCount[]> {
  const result = await sql<MonthCount>`
    with monthly as materialized (
      select distinct date_trunc('month', snapshot_date) as m, track_id
      from snapshots
      where user_id = ${userId} and snapshot_date between ${window.start} and ${window.end}
    ),
    credits as materialized (
      select t.track_id, a.artist
      from (select distinct track_id from monthly) d
      cross join lateral (${visibleTrack(db, userId, 'd.track_id')}) t
      cross join lateral unnest(${trackArtistNames('t')}) as a(artist)
    )
    select to_char(m, 'YYYY-MM') as month, count(*)::int as count
    from (select distinct w.m, c.artist from monthly w join credits c on c.track_id = w.track_id) x
    group by m
    order by m`.execute(db);
  return result.rows;
}

export interface ArtistDates {
  artist: string;
  dates: number;
}

/**
 * Artists by the number of snapshot dates (any range) they appear on in the window; ties by name.
 * The payloads' artist arrays are unpacked once per distinct track, not once per (track, date);
 * both steps are materialised, so no plan re-runs the unpacking per row (an unanalysed table led
 * PGlite to a nested loop that took 29 s for half a year).
 */
export async function listConsistentArtists(db: Db, userId: number, window: MonthWindow, limit = 10): Promise<ArtistDates[]> {
  const result = await sql<ArtistDates>`
    with days as materialized (
      select distinct track_id, snapshot_date
      from snapshots
      where user_id = ${userId} and snapshot_date between ${window.start} and ${window.end}
    ),
    credits as materialized (
      select t.track_id, a.artist
      from (select distinct track_id from days) d
      cross join lateral (${visibleTrack(db, userId, 'd.track_id')}) t
      cross join lateral unnest(${trackArtistNames('t')}) as a(artist)
    )
    select artist, count(*)::int as dates
    from (select distinct c.artist, d.snapshot_date from days d join credits c on c.track_id = d.track_id) x
    group by artist
    order by dates desc, artist collate "C"
    limit ${limit}`.execute(db);
  return result.rows;
}
