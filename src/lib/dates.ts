export { isIsoDate } from './iso-date.js';

/** The UTC calendar date of an instant, as YYYY-MM-DD. Snapshot dates are UTC dates. */
export function toIsoDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * The same instant `months` calendar months later (UTC). A day the target month lacks clamps to
 * its last day (Aug 31 + 6 months = Feb 28/29), so the result never spills into the month after.
 */
export function addUtcMonths(instant: Date, months: number): Date {
  const result = new Date(instant.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}
