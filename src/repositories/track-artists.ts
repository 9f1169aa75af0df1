import type { RawBuilder } from 'kysely';
import { sql } from '../db/kysely.js';

/**
 * The artists credited on a track, as a SQL array: every `name` of the payload's `artists` array
 * (a featured artist counts for diversity and consistency as much as the main one), or the
 * `artist_name` column when the payload has no usable array (legacy rows without a payload).
 * `alias` is the visible-tracks row in the caller's query.
 */
export function trackArtistNames(alias: string): RawBuilder<string[]> {
  const t = sql.ref(alias);
  return sql<string[]>`coalesce(
    nullif(array(
      select e->>'name' from jsonb_array_elements(
        case when jsonb_typeof(${t}.raw_json->'artists') = 'array' then ${t}.raw_json->'artists' else '[]'::jsonb end
      ) e
      where coalesce(e->>'name', '') <> ''
    ), '{}'),
    array[${t}.artist_name]
  )`;
}
