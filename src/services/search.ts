import type { Db } from '../repositories/executor.js';
import { MARK_END, MARK_START, searchTracksFullText, searchTracksSimilar, type SearchHit } from '../repositories/search.js';

/** Longest query accepted (characters); longer is a 400. 1 kB of text fits. */
export const MAX_QUERY_LENGTH = 2000;
/** Words used from a query: a title is rarely longer, and it bounds the tsquery. */
const MAX_WORDS = 12;
/** Longest word kept (PostgreSQL ignores longer lexemes anyway). */
const MAX_WORD = 100;
const RESULT_LIMIT = 50;

export interface SearchResult {
  trackId: string;
  name: string;
  artist: string;
  album: string | null;
  /** HTML: the text escaped, the matched words in <mark>. */
  nameHtml: string;
  artistHtml: string;
  albumHtml: string | null;
}

export interface SearchAnswer {
  q: string;
  /** fulltext: words matched (as prefixes); similar: no word matched, these names are close. */
  mode: 'fulltext' | 'similar' | 'none';
  results: SearchResult[];
}

/**
 * Splits free text into the words the full-text index holds: runs of letters, marks and digits
 * in any script. Quotes, `&`, `|`, `!`, `:*`, `<->` and the like never reach the tsquery.
 */
export function searchWords(text: string): string[] {
  const words = text.normalize('NFC').toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  return [...new Set(words.map((w) => w.slice(0, MAX_WORD)))].slice(0, MAX_WORDS);
}

/**
 * The user's tracks matching `q`: full-text (ranked, prefix, highlighted), or, when that finds
 * nothing, names and artists similar to the input (misspellings).
 */
export async function searchArchive(db: Db, userId: number, q: string): Promise<SearchAnswer> {
  const words = searchWords(q);
  if (words.length === 0) return { q, mode: 'none', results: [] };
  const hits = await searchTracksFullText(db, userId, words, RESULT_LIMIT);
  if (hits.length > 0) return { q, mode: 'fulltext', results: hits.map(resultOf) };
  const similar = await searchTracksSimilar(db, userId, words.join(' '), RESULT_LIMIT);
  return { q, mode: similar.length > 0 ? 'similar' : 'none', results: similar.map(resultOf) };
}

function resultOf(hit: SearchHit): SearchResult {
  return {
    trackId: hit.track_id,
    name: hit.name,
    artist: hit.artist_name,
    album: hit.album_name,
    nameHtml: markedToHtml(hit.name_marked),
    artistHtml: markedToHtml(hit.artist_marked),
    albumHtml: hit.album_marked === null ? null : markedToHtml(hit.album_marked),
  };
}

/** Escapes everything, then turns only our own marks into <mark> elements. */
export function markedToHtml(marked: string): string {
  let html = '';
  let open = false;
  for (const part of marked.split(new RegExp(`([${MARK_START}${MARK_END}])`, 'u'))) {
    if (part === MARK_START) {
      if (!open) html += '<mark>';
      open = true;
    } else if (part === MARK_END) {
      if (open) html += '</mark>';
      open = false;
    } else html += escapeHtml(part);
  }
  return open ? `${html}</mark>` : html;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
