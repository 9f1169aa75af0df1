/** Dates as people say them: "3 Jun 2024", "Jun 2024", "2 days ago", "in 5 hours". All UTC. */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parts(value: string | Date): { y: number; m: number; d: number } {
  const date = typeof value === 'string' ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : value;
  return { y: date.getUTCFullYear(), m: date.getUTCMonth(), d: date.getUTCDate() };
}

/** "3 Jun 2024" for a YYYY-MM-DD date or an instant (its UTC date). */
export function formatDay(value: string | Date): string {
  const { y, m, d } = parts(value);
  return `${d} ${MONTHS[m]} ${y}`;
}

/** "Jun 2024". */
export function formatMonth(value: string | Date): string {
  const { y, m } = parts(value);
  return `${MONTHS[m]} ${y}`;
}

/** "3 Jun 2024, 04:00 UTC" for an instant. */
export function formatInstant(value: Date): string {
  return `${formatDay(value)}, ${value.toISOString().slice(11, 16)} UTC`;
}

/** "today", "yesterday", "2 days ago", "in 3 days"; hours for instants less than a day away. */
export function relativeTime(value: string | Date, now: Date): string {
  const at = typeof value === 'string' ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : value;
  const dateOnly = typeof value === 'string';
  const diffMs = at.getTime() - now.getTime();
  if (dateOnly) {
    const days = Math.round((Date.UTC(parts(at).y, parts(at).m, parts(at).d) - Date.UTC(parts(now).y, parts(now).m, parts(now).d)) / 86_400_000);
    if (days === 0) return 'today';
    if (days === -1) return 'yesterday';
    if (days === 1) return 'tomorrow';
    return days < 0 ? `${-days} days ago` : `in ${days} days`;
  }
  const hours = Math.round(Math.abs(diffMs) / 3_600_000);
  if (hours < 1) return diffMs < 0 ? 'just now' : 'within the hour';
  if (hours < 36) return diffMs < 0 ? `${hours} ${hours === 1 ? 'hour' : 'hours'} ago` : `in ${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  const days = Math.round(hours / 24);
  return diffMs < 0 ? `${days} days ago` : `in ${days} days`;
}
