import { describe, expect, it } from 'vitest';
import { addUtcMonths } from '../../src/lib/dates.js';
import { daysLeft, reauthBanner, spotifyAccessDeadline } from '../../src/services/spotify-access.js';

describe('the six-month access deadline', () => {
  it('adds calendar months in UTC, clamping to the end of a shorter month', () => {
    expect(addUtcMonths(new Date('2026-01-10T08:00:00Z'), 6).toISOString()).toBe('2026-07-10T08:00:00.000Z');
    expect(addUtcMonths(new Date('2026-08-31T23:30:00Z'), 6).toISOString()).toBe('2027-02-28T23:30:00.000Z');
    expect(addUtcMonths(new Date('2027-08-31T00:00:00Z'), 6).toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(spotifyAccessDeadline(new Date('2026-12-15T00:00:00Z')).toISOString()).toBe('2027-06-15T00:00:00.000Z');
  });

  it('counts whole days left, negative once past', () => {
    const at = new Date('2026-01-10T08:00:00Z');
    expect(daysLeft(at, new Date('2026-06-26T08:00:00Z'))).toBe(14);
    expect(daysLeft(at, new Date('2026-07-10T07:59:59Z'))).toBe(0);
    expect(daysLeft(at, new Date('2026-07-10T08:00:00Z'))).toBe(0);
    expect(daysLeft(at, new Date('2026-07-10T08:00:01Z'))).toBe(-1);
  });

  it('warns from 14 days before, says expired after, and nothing before or without a known time', () => {
    const user = { spotifyAuthorizedAt: new Date('2026-01-10T08:00:00Z'), needsReauth: false };
    expect(reauthBanner(user, new Date('2026-06-26T07:59:59Z'))).toBeNull();
    expect(reauthBanner(user, new Date('2026-06-26T08:00:00Z'))).toEqual({ kind: 'expiring', deadline: '2026-07-10', daysLeft: 14 });
    expect(reauthBanner(user, new Date('2026-07-10T08:00:00Z'))).toEqual({ kind: 'expired', since: '2026-07-10' });
    expect(reauthBanner({ ...user, needsReauth: true }, new Date('2026-03-01T00:00:00Z'))).toEqual({ kind: 'expired', since: null });
    expect(reauthBanner({ spotifyAuthorizedAt: null, needsReauth: false }, new Date('2026-03-01T00:00:00Z'))).toBeNull();
  });
});
