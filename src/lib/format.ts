/** How the pages write dates, durations and shares (UI.md: dates as people say them). */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** '2024-06-03' -> '3 Jun 2024'. */
export function formatDay(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1]} ${y}`;
}

/** '2024-06' or '2024-06-03' -> 'Jun 2024'. */
export function formatMonth(isoMonth: string): string {
  const [y, m] = isoMonth.split('-');
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

/** A Spotify release date of year, month or day precision, as written. */
export function formatReleaseDate(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatDay(value);
  if (/^\d{4}-\d{2}$/.test(value)) return formatMonth(value);
  return value;
}

/** 215000 -> '3:35'. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** 0.4567 -> '45.7%'. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

export const format = { day: formatDay, month: formatMonth, releaseDate: formatReleaseDate, duration: formatDuration, share: formatShare };
