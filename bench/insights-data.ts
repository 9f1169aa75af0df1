// Generates insight-page data in SQL (generate_series, so millions of rows take seconds):
// a shared catalogue of tracks with 2026-shaped Spotify payloads, and N users with Y years of
// daily snapshots, 3 ranges x 50 tracks a day. Used by bench/insights.ts and by the EXPLAIN test.
//
// Realism that the pages' plans depend on:
// - each user draws from a pool of 2,000 catalogue tracks (pools overlap between users);
// - a rank slot keeps its track for a period that depends on the range (short 28 days, medium
//   180, long 365), staggered across slots, so about 2 short-term tracks change a day; ranks
//   rotate every 3 days, so the time machine has moves up and down;
// - payloads have release dates of year, month and day precision, explicit flags, and for a
//   third of the tracks no external_ids (as development-mode apps get them since 2026).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../src/db/schema.js';

export interface InsightsDataOptions {
  users: number;
  years: number;
  /** The last snapshot date, YYYY-MM-DD. */
  endDate: string;
  /** Catalogue size (default: 2,000 per user, at least 10,000). */
  catalogue?: number;
  /** Prefix of spotify_id and track_id, so several runs can share a database. */
  prefix?: string;
}

const POOL = 2000;
const WORDS = ['Summer', 'Rain', 'Heart', 'Fire', 'Lights', 'Night', 'Dance', 'Ocean', 'Gold', 'Dream', 'Stars', 'Road', 'Home', 'Ghost', 'Sugar', 'Wave', 'Honey', 'City', 'Shadow', 'Mirror', 'Paradise', 'Thunder', 'Velvet', 'Morning', 'Echo', 'Rose', 'Storm', 'Moon', 'Fever', 'Tokyo', 'Berlin', 'Lagos', 'Lisbon', 'Highway', 'Satellite', 'Silence', 'Window', 'Polaroid', 'Cherry', 'Winter'];
const FIRST = ['Luna', 'Ada', 'Milo', 'Nora', 'Felix', 'Iris', 'Otis', 'Maya', 'Jonas', 'Lea', 'Theo', 'Zara', 'Elio', 'Nina', 'Hugo', 'Rosa', 'Kai', 'Vera', 'Omar', 'Saoirse'];
const LAST = ['Vale', 'Okafor', 'Lindqvist', 'Moreau', 'Castillo', 'Nakamura', 'Brennan', 'Kowalski', 'Adeyemi', 'Haddad', 'Rossi', 'Fischer', 'Santos', 'Novak', 'Quinn'];

export async function generateInsightsData(db: Kysely<DB>, options: InsightsDataOptions): Promise<{ userIds: number[]; tracks: number; rows: number }> {
  const prefix = options.prefix ?? 'bench';
  const catalogue = options.catalogue ?? Math.max(10_000, options.users * POOL);
  const days = Math.round(options.years * 365.25);
  const words = sql.val(WORDS);
  const first = sql.val(FIRST);
  const last = sql.val(LAST);

  await sql`
    insert into tracks (track_id, name, artist_name, album_name, duration_ms, spotify_url, raw_json)
    select id, name, artist, album, duration, 'https://open.spotify.com/track/' || id, jsonb_strip_nulls(jsonb_build_object(
      'id', id, 'name', name, 'type', 'track', 'uri', 'spotify:track:' || id,
      'duration_ms', duration, 'explicit', i % 6 = 0, 'track_number', 1 + i % 12, 'disc_number', 1, 'is_local', false,
      'preview_url', null,
      'external_ids', case when i % 3 <> 0 then jsonb_build_object('isrc', 'QZ' || lpad(i::text, 10, '0')) end,
      'external_urls', jsonb_build_object('spotify', 'https://open.spotify.com/track/' || id),
      'artists', jsonb_build_array(jsonb_build_object('id', 'ar' || (i % 3000), 'name', artist, 'type', 'artist',
        'external_urls', jsonb_build_object('spotify', 'https://open.spotify.com/artist/ar' || (i % 3000)))),
      'album', jsonb_build_object('id', 'al' || (i / 3), 'name', album, 'album_type', 'album', 'total_tracks', 3,
        'release_date', case when i % 10 = 0 then year::text when i % 10 = 1 then year || '-' || lpad((1 + i % 12)::text, 2, '0')
                             else year || '-' || lpad((1 + i % 12)::text, 2, '0') || '-' || lpad((1 + i % 28)::text, 2, '0') end,
        'release_date_precision', case when i % 10 = 0 then 'year' when i % 10 = 1 then 'month' else 'day' end,
        'images', jsonb_build_array(
          jsonb_build_object('url', 'https://i.scdn.co/image/' || id || '-640', 'width', 640, 'height', 640),
          jsonb_build_object('url', 'https://i.scdn.co/image/' || id || '-300', 'width', 300, 'height', 300),
          jsonb_build_object('url', 'https://i.scdn.co/image/' || id || '-64', 'width', 64, 'height', 64)),
        'artists', jsonb_build_array(jsonb_build_object('name', artist)))
    ))
    from (
      select i,
        ${prefix} || lpad(i::text, 14, '0') as id,
        (${words}::text[])[1 + (i * 7) % 40] || ' ' || (${words}::text[])[1 + (i * 13 / 40) % 40] as name,
        (${first}::text[])[1 + (i % 3000) % 20] || ' ' || (${last}::text[])[1 + (i % 3000) / 20 % 15] || ' ' || (i % 3000) as artist,
        (${words}::text[])[1 + (i / 3) % 40] || ' ' || (${words}::text[])[1 + (i / 120) % 40] as album,
        95000 + (i * 7919) % 325000 as duration,
        1960 + (i * 31) % 67 as year
      from generate_series(1, ${catalogue}) i
    ) t
    on conflict (track_id) do nothing`.execute(db);

  const userIds: number[] = [];
  for (let u = 0; u < options.users; u++) {
    const user = await sql<{ id: number }>`
      insert into users (spotify_id, display_name) values (${`${prefix}-user-${u + 1}`}, ${`Bench listener ${u + 1}`})
      on conflict (spotify_id) do update set display_name = excluded.display_name returning id`.execute(db);
    const userId = Number(user.rows[0]!.id);
    userIds.push(userId);
    const base = (u * 1373) % catalogue;
    // One statement per user and range keeps each transaction (and its trigger's transition table) moderate.
    for (const [r, range, period, offset] of [
      [0, 'short_term', 28, 0],
      [1, 'medium_term', 180, 850],
      [2, 'long_term', 365, 1450],
    ] as const) {
      await sql`
        insert into snapshots (user_id, track_id, snapshot_date, time_range, rank)
        select ${userId}, ${prefix} || lpad((1 + (${base} + ((k + 50 * ((d + k * ${period} / 50) / ${period}) + ${offset}) % ${POOL})) % ${catalogue})::text, 14, '0'),
          ${options.endDate}::date - d, ${range}, 1 + ((k * 7 + d / 3 + ${r}) % 50)
        from generate_series(0, ${days - 1}) d, generate_series(0, 49) k
        order by 3`.execute(db);
    }
  }
  await sql`analyze snapshots`.execute(db);
  await sql`analyze tracks`.execute(db);
  return { userIds, tracks: catalogue, rows: options.users * days * 150 };
}
