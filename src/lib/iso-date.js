// @ts-check
// The calendar-date rule on its own, in plain JavaScript: worker threads start without the
// TypeScript loader, and the legacy import's reader thread checks dates with it too
// (snapshot-page-check.js). lib/dates.ts re-exports it for everything else.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * True for a real calendar date written as YYYY-MM-DD (2024-02-30 is false).
 * @param {string} value
 * @returns {boolean}
 */
export function isIsoDate(value) {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
