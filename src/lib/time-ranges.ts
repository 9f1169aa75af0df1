/**
 * Spotify's three top-track windows (about four weeks, six months, a year): the `time_range`
 * the API takes, the column snapshots are keyed by, and the order pages and files list them in.
 * The one declaration; the database, the Spotify client, the fake and the legacy import share it.
 */
export type TimeRange = 'short_term' | 'medium_term' | 'long_term';

export const TIME_RANGES: readonly TimeRange[] = ['short_term', 'medium_term', 'long_term'];

export function isTimeRange(value: unknown): value is TimeRange {
  return typeof value === 'string' && (TIME_RANGES as readonly string[]).includes(value);
}
