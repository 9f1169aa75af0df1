import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';
import { visibleTrack } from './visible-tracks.js';

export interface DashboardFacts {
  tracks: number;
  snapshotDates: number;
  releaseYears: Array<{ year: number; tracks: number }>;
  decades: Array<{ decade: number; tracks: number }>;
  explicit: { explicit: number; clean: number; unknown: number };
  /** Share (0..1, 4 decimals) of the payloads that carry `external_ids` with an ISRC; null when none carry `external_ids`. */
  isrcShare: number | null;
  avgDurationMs: number | null;
  topAlbums: Array<{ album: string; artist: string | null; tracks: number }>;
  /** Not in the JSON answer; the page explains its "unknown" figures with them. */
  detail: {
    /** Tracks whose payload has no usable release date. */
    yearUnknown: number;
    /** Tracks whose payload has `external_ids` (the ISRC share's denominator). */
    isrcKnown: number;
    /** Tracks whose payload has a numeric duration (the average's denominator). */
    durationKnown: number;
  };
}

/**
 * Facts about the distinct tracks in the user's archive, computed in SQL from the raw Spotify
 * payloads with JSONB operators. A payload without a field is left out of that fact (counted as
 * unknown), never read as zero or false. `album.release_date` is `YYYY`, `YYYY-MM` or
 * `YYYY-MM-DD`; anything else is unknown.
 */
export async function getDashboardFacts(db: Db, userId: number): Promise<DashboardFacts> {
  const result = await sql<{
    tracks: number;
    snapshot_dates: number;
    release_years: DashboardFacts['releaseYears'];
    decades: DashboardFacts['decades'];
    explicit: number;
    clean: number;
    explicit_unknown: number;
    isrc_known: number;
    isrc_share: number | null;
    duration_known: number;
    avg_duration_ms: number | null;
    year_unknown: number;
    top_albums: DashboardFacts['topAlbums'];
  }>`
    with mine as (
      select distinct track_id from snapshots where user_id = ${userId}
    ),
    facts as materialized (
      select
        t.track_id,
        substring(t.raw_json->'album'->>'release_date' from '^([0-9]{4})(-[0-9]{2}(-[0-9]{2})?)?$')::int as year,
        case when jsonb_typeof(t.raw_json->'explicit') = 'boolean' then (t.raw_json->>'explicit')::boolean end as explicit,
        case when jsonb_typeof(t.raw_json->'external_ids') = 'object'
          then coalesce(t.raw_json->'external_ids'->>'isrc', '') <> '' end as has_isrc,
        case when jsonb_typeof(t.raw_json->'duration_ms') = 'number' then (t.raw_json->>'duration_ms')::numeric end as duration_ms,
        coalesce(t.raw_json->'album'->>'id', t.raw_json->'album'->>'name') as album_key,
        t.raw_json->'album'->>'name' as album_name,
        t.raw_json->'album'->'artists'->0->>'name' as album_artist
      from mine
      cross join lateral (${visibleTrack(db, userId, 'mine.track_id')}) t
    )
    select
      (select count(*)::int from facts) as tracks,
      (select count(distinct snapshot_date)::int from snapshots where user_id = ${userId}) as snapshot_dates,
      (select coalesce(jsonb_agg(jsonb_build_object('year', year, 'tracks', n) order by n desc, year desc), '[]'::jsonb)
         from (select year, count(*)::int as n from facts where year is not null group by year order by n desc, year desc limit 10) y
      ) as release_years,
      (select coalesce(jsonb_agg(jsonb_build_object('decade', decade, 'tracks', n) order by decade), '[]'::jsonb)
         from (select year / 10 * 10 as decade, count(*)::int as n from facts where year is not null group by 1) d
      ) as decades,
      (select count(*)::int from facts where year is null) as year_unknown,
      (select count(*)::int from facts where explicit) as explicit,
      (select count(*)::int from facts where not explicit) as clean,
      (select count(*)::int from facts where explicit is null) as explicit_unknown,
      (select count(*)::int from facts where has_isrc is not null) as isrc_known,
      (select round(count(*) filter (where has_isrc)::numeric / nullif(count(has_isrc), 0), 4) from facts) as isrc_share,
      (select count(*)::int from facts where duration_ms is not null) as duration_known,
      (select round(avg(duration_ms))::int from facts) as avg_duration_ms,
      (select coalesce(jsonb_agg(jsonb_build_object('album', album, 'artist', artist, 'tracks', n) order by n desc, album collate "C"), '[]'::jsonb)
         from (
           select min(album_name) as album, min(album_artist) as artist, count(*)::int as n
           from facts where album_key is not null and album_name is not null
           group by album_key
           order by n desc, min(album_name) collate "C"
           limit 10
         ) a
      ) as top_albums`.execute(db);
  const row = result.rows[0]!;
  return {
    tracks: row.tracks,
    snapshotDates: row.snapshot_dates,
    releaseYears: row.release_years,
    decades: row.decades,
    explicit: { explicit: row.explicit, clean: row.clean, unknown: row.explicit_unknown },
    isrcShare: row.isrc_share,
    avgDurationMs: row.avg_duration_ms,
    topAlbums: row.top_albums,
    detail: { yearUnknown: row.year_unknown, isrcKnown: row.isrc_known, durationKnown: row.duration_known },
  };
}
