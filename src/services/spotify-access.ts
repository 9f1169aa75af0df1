import { addUtcMonths, toIsoDate } from '../lib/dates.js';

/**
 * Spotify's 2026 rule for the app's access to a user's account: the refresh token stops working
 * six months after the user's authorization (their last login), however often it was used.
 * These functions turn the stored authorization time into the deadline and the warning shown
 * from two weeks before it.
 */

export const ACCESS_LIFETIME_MONTHS = 6;
/** The reconnect banner appears this many days before the deadline. */
export const REAUTH_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

/** When the user's stored access stops working. */
export function spotifyAccessDeadline(authorizedAt: Date): Date {
  return addUtcMonths(authorizedAt, ACCESS_LIFETIME_MONTHS);
}

/** Whole days left before the deadline (0 in its last 24 hours, negative once past). */
export function daysLeft(authorizedAt: Date, now: Date): number {
  return Math.floor((spotifyAccessDeadline(authorizedAt).getTime() - now.getTime()) / DAY_MS);
}

export type ReauthBanner =
  /** The deadline is near: reconnect by this date (UTC) to keep the daily snapshots. */
  | { kind: 'expiring'; deadline: string; daysLeft: number }
  /** Access is gone (refused by Spotify, or past the deadline): snapshots have stopped. */
  | { kind: 'expired'; since: string | null };

/** The banner a user should see now, or null when nothing needs doing. */
export function reauthBanner(user: { spotifyAuthorizedAt: Date | null; needsReauth: boolean }, now: Date): ReauthBanner | null {
  const deadline = user.spotifyAuthorizedAt && spotifyAccessDeadline(user.spotifyAuthorizedAt);
  if (user.needsReauth) return { kind: 'expired', since: deadline && deadline <= now ? toIsoDate(deadline) : null };
  if (!deadline) return null;
  if (deadline <= now) return { kind: 'expired', since: toIsoDate(deadline) };
  if (deadline.getTime() - now.getTime() > REAUTH_WARNING_DAYS * DAY_MS) return null;
  return { kind: 'expiring', deadline: toIsoDate(deadline), daysLeft: Math.floor((deadline.getTime() - now.getTime()) / DAY_MS) };
}
