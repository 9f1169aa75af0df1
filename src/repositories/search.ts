import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';
import { visibleTracks } from './visible-tracks.js';

/** Marks around highlighted words: control characters, removed from the text before highlighting. */
export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

export interface SearchHit {
  track_id: string;
  name: string;
  artist_name: string;
  album_name: string | null;
  /** Texts with the matched words between MARK_START and MARK_END (full-text hits only). */
  name_marked: string;
  artist_marked: string;
  album_marked: string | null;
  score: number;
}

/**
 * Full-text search over name (weight A), artist (B) and album (C) of the user's own tracks,
 * every word as a prefix (so results come while typing), ranked by ts_rank then name.
 * `words` are plain letters and digits (the caller splits the input), so they cannot form
 * tsquery operators; they are quoted anyway. The match goes through the tracks' GIN index and
 * each candidate is then checked against the user's track-history index.
 */
export async function searchTracksFullText(db: Db, userId: number, words: readonly string[], limit: number): Promise<SearchHit[]> {
  if (words.length === 0) return [];
  const query = sql`to_tsquery('simple', ${words.map((w) => `'${w.replaceAll("'", "''")}':*`).join(' & ')})`;
  const options = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;
  const clean = (column: string) => sql`translate(${sql.ref(column)}, ${MARK_START + MARK_END}, '')`;
  const result = await sql<SearchHit>`
    with q as (select ${query} as query)
    select t.track_id, t.name, t.artist_name, t.album_name,
      ts_headline('simple', ${clean('t.name')}, q.query, ${options}) as name_marked,
      ts_headline('simple', ${clean('t.artist_name')}, q.query, ${options}) as artist_marked,
      ts_headline('simple', ${clean('t.album_name')}, q.query, ${options}) as album_marked,
      ts_rank(t.search_vector, q.query)::float8 as score
    from q
    join (${visibleTracks(db, userId)}) t on t.search_vector @@ q.query
    where exists (select 1 from snapshots s where s.user_id = ${userId} and s.track_id = t.track_id)
    order by score desc, t.name collate "C", t.track_id
    limit ${limit}`.execute(db);
  return result.rows;
}

/**
 * The fallback for a misspelled name: trigram word similarity between the input and
 * "name artist" (the expression of the trigram index from migration 0008), the user's tracks only.
 */
export async function searchTracksSimilar(db: Db, userId: number, text: string, limit: number): Promise<SearchHit[]> {
  const result = await sql<SearchHit>`
    select t.track_id, t.name, t.artist_name, t.album_name,
      t.name as name_marked, t.artist_name as artist_marked, t.album_name as album_marked,
      word_similarity(${text}, t.name || ' ' || t.artist_name)::float8 as score
    from (${visibleTracks(db, userId)}) t
    where ${text} <% (t.name || ' ' || t.artist_name)
      and exists (select 1 from snapshots s where s.user_id = ${userId} and s.track_id = t.track_id)
    order by score desc, t.name collate "C", t.track_id
    limit ${limit}`.execute(db);
  return result.rows;
}
