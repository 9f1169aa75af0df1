// @ts-check
// Whether a page of snapshot COPY lines that SQLite built (snapshot-line-pages.js) can go into
// COPY as it is. Plain JavaScript because the reader thread runs it (worker threads start without
// the TypeScript loader); embedded, the main thread runs the same code (snapshot-line-pages.js).
// snapshot-checks.ts builds the rules it is given (the time ranges and rank bounds are declared
// in TypeScript) and shares isSnapshotDate with the per-row check.

import { isIsoDate } from '../../lib/iso-date.js';

/**
 * @typedef {object} SnapshotPageRules
 * @property {string} prefix the text before each line (the owner's id and a tab)
 * @property {readonly string[]} timeRanges the time_range values a row may have
 * @property {number} minRank
 * @property {number} maxRank
 */

/** Snapshot dates repeat (150 rows a day): each distinct one is checked once. */
/** @type {Map<string, boolean>} */
const dateCache = new Map();

/**
 * Whether `text` is a snapshot date as the fast paths take it: a real calendar date written
 * YYYY-MM-DD, nothing more (a date with a time takes the full check).
 * @param {string} text
 * @returns {boolean}
 */
export function isSnapshotDate(text) {
  let valid = dateCache.get(text);
  if (valid === undefined) {
    valid = isIsoDate(text);
    if (dateCache.size < 100_000) dateCache.set(text, valid);
  }
  return valid;
}

const TAB = 9;
const DIGIT_0 = 48;
/** Characters COPY would need escaped, or PostgreSQL cannot store; only an id can hold them. */
const UNSAFE = /[\\\r\u0000]/;

/**
 * A check of pages against `rules`: a page is clean when it holds `rows` lines, each `prefix`,
 * then a track id in `loadable`, a real YYYY-MM-DD date, a time range and a rank from minRank to
 * maxRank as SQLite writes an integer, joined by tabs. That is exactly the line
 * checkSnapshotRow's fast path makes of such a row (snapshot-checks.ts;
 * test/unit/legacy-rows.test.ts holds the two together). A value holding a newline makes more
 * lines than rows; one holding a tab shifts the fields out of shape. A clean page's tracks are
 * marked as named (true) in `loadable`, and the ones it named first are returned; a page that is
 * not clean marks none and returns undefined.
 * @param {SnapshotPageRules} rules
 * @param {Map<string, boolean>} loadable
 * @returns {(text: string, rows: number) => string[] | undefined}
 */
export function snapshotPageCheck(rules, loadable) {
  const { prefix, minRank, maxRank } = rules;
  // A range by its first character, with its tab (short_term, medium_term, long_term differ there).
  /** @type {Map<number, string>} */
  const rangeByFirst = new Map();
  for (const range of rules.timeRanges) rangeByFirst.set(range.charCodeAt(0), `${range}\t`);
  if (rangeByFirst.size !== rules.timeRanges.length) throw new Error('time ranges must differ in their first character');

  /** @param {string} text @param {number} start @param {number} end */
  const isRankText = (text, start, end) => {
    const length = end - start;
    if (length < 1 || length > 2) return false;
    let rank = 0;
    for (let i = start; i < end; i++) {
      const digit = text.charCodeAt(i) - DIGIT_0;
      if (digit < 0 || digit > 9 || (i === start && digit === 0)) return false;
      rank = rank * 10 + digit;
    }
    return rank >= minRank && rank <= maxRank;
  };

  return (text, rows) => {
    // Checked in place (a string per field per line was most of the cost); the date only when it
    // differs from the line before's.
    if (UNSAFE.test(text)) return undefined;
    let lastDate = '';
    let lines = 0;
    /** @type {string[]} */
    const firstNamed = []; // marked once the whole page is known to be clean
    for (let start = 0; start < text.length; lines++) {
      const end = text.indexOf('\n', start);
      if (end < 0 || !text.startsWith(prefix, start)) return undefined;
      const idStart = start + prefix.length;
      const idEnd = text.indexOf('\t', idStart);
      if (idEnd <= idStart || idEnd >= end) return undefined;
      const trackId = text.slice(idStart, idEnd);
      const named = loadable.get(trackId);
      if (named === undefined) return undefined;
      if (!named) firstNamed.push(trackId);
      const dateEnd = idEnd + 11;
      if (dateEnd >= end || text.charCodeAt(dateEnd) !== TAB) return undefined;
      if (lastDate === '' || !text.startsWith(lastDate, idEnd + 1)) {
        lastDate = text.slice(idEnd + 1, dateEnd);
        if (!isSnapshotDate(lastDate)) return undefined;
      }
      const range = rangeByFirst.get(text.charCodeAt(dateEnd + 1));
      if (range === undefined || !text.startsWith(range, dateEnd + 1)) return undefined;
      if (!isRankText(text, dateEnd + 1 + range.length, end)) return undefined;
      start = end + 1;
    }
    if (lines !== rows) return undefined;
    const newlyNamed = [];
    for (const trackId of firstNamed) {
      if (loadable.get(trackId)) continue; // named twice on this page
      loadable.set(trackId, true);
      newlyNamed.push(trackId);
    }
    return newlyNamed;
  };
}
