import { sql } from '../db/kysely.js';
import type { Db } from './executor.js';
import { visibleTrack } from './visible-tracks.js';

/** Marks around highlighted words: control characters, removed from the text before highlighting. */
export const MARK_START = '\u0001';
export const MARK_END = '\u0002';

/** A lexeme in a tsquery's text form: quoted, a quote inside doubled. */
const QUOTED_LEXEME = "'((?:[^']|'')*)'";

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
 * tsquery operators; they are quoted anyway.
 *
 * The match and the ranking read only the user's rows of archive_tracks (migration 0009): its GIN
 * index holds each word prefixed with the user's id, so the query's words get the same prefix
 * (rewritten from the parsed query, so both agree on how a word was split) and the index returns
 * the user's candidates only; the unprefixed vector then confirms each (a phrase the keys cannot
 * check, having no positions) and ranks it. The cost follows the user's archive, not the
 * catalogue. Only the rows shown look up their metadata (visibleTrack, two key lookups each).
 */
export async function searchTracksFullText(db: Db, userId: number, words: readonly string[], limit: number): Promise<SearchHit[]> {
  if (words.length === 0) return [];
  const query = sql`to_tsquery('simple', ${words.map((w) => `'${w.replaceAll("'", "''")}':*`).join(' & ')})`;
  const options = `StartSel=${MARK_START}, StopSel=${MARK_END}, HighlightAll=true`;
  const clean = (column: string) => sql`translate(${sql.ref(column)}, ${MARK_START + MARK_END}, '')`;
  const result = await sql<SearchHit>`
    with q as (select ${query} as query),
    hits as (
      select a.track_id, a.name, ts_rank(a.search_vector, q.query)::float8 as score
      from q join archive_tracks a
        -- Written out rather than taken from q: an immutable expression of the parameters, so the
        -- planner folds it to a constant and can weigh the index by the real words.
        on a.search_keys @@ regexp_replace(${query}::text, ${QUOTED_LEXEME}, ${`'${userId}/\\1'`}, 'g')::tsquery
        and a.user_id = ${userId} and a.search_vector @@ q.query
      order by score desc, a.name collate "C", a.track_id
      limit ${limit}
    )
    select t.track_id, t.name, t.artist_name, t.album_name,
      ts_headline('simple', ${clean('t.name')}, q.query, ${options}) as name_marked,
      ts_headline('simple', ${clean('t.artist_name')}, q.query, ${options}) as artist_marked,
      ts_headline('simple', ${clean('t.album_name')}, q.query, ${options}) as album_marked,
      h.score
    from hits h cross join q
    cross join lateral (${visibleTrack(db, userId, 'h.track_id')}) t
    order by h.score desc, h.name collate "C", h.track_id`.execute(db);
  return result.rows;
}

/**
 * The fallback for a misspelled name: trigram word similarity between the input and
 * "name artist" (archive_tracks.search_text), the user's rows only, through the per-user
 * trigram index.
 */
export async function searchTracksSimilar(db: Db, userId: number, text: string, limit: number): Promise<SearchHit[]> {
  const result = await sql<SearchHit>`
    with hits as (
      select a.track_id, a.name, word_similarity(${text}, a.search_text)::float8 as score
      from archive_tracks a
      where a.user_id = ${userId} and ${text} <% a.search_text
      order by score desc, a.name collate "C", a.track_id
      limit ${limit}
    )
    select t.track_id, t.name, t.artist_name, t.album_name,
      t.name as name_marked, t.artist_name as artist_marked, t.album_name as album_marked, h.score
    from hits h
    cross join lateral (${visibleTrack(db, userId, 'h.track_id')}) t
    order by h.score desc, h.name collate "C", h.track_id`.execute(db);
  return result.rows;
}
