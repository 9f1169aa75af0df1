import { asDatabaseUnavailable, isConnectionError } from '../db/connection-errors.js';
import { AppError, errorMessage } from '../lib/errors.js';
import { mapWithConcurrency } from '../lib/concurrency.js';
import { nextCronRun } from '../lib/cron.js';
import { countArchive } from '../repositories/snapshots.js';
import {
  findCaptureStatus,
  listCaptureStatus,
  listSchedulableUserIds,
  recordCaptureFailure,
  recordCaptureSuccess,
  recordNeedsReauth,
  type UserCaptureStatus,
} from '../repositories/capture-status.js';
import { SpotifyRateLimitedError, SpotifyReauthRequiredError } from '../spotify/errors.js';
import { captureSnapshot, type CaptureDeps, type CaptureResult } from './capture.js';
import { daysLeft, spotifyAccessDeadline } from './spotify-access.js';

/** How failed scheduled captures are retried (not 429s: those wait as long as Spotify asks). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Wait after the first failure; doubles after each further one. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 5, baseDelaySeconds: 300, maxDelaySeconds: 3600 });

/**
 * A scheduled capture cut short by a database outage runs again after this long. Like a 429, it
 * is not the user's failure and does not count towards the retry policy: however long the
 * outage, the user is never marked failed for it.
 */
export const DATABASE_OUTAGE_DELAY_SECONDS = 60;

export interface CaptureFailureInfo {
  code: string;
  message: string;
}

export type CaptureRunOutcome =
  | { kind: 'captured'; result: CaptureResult }
  /** Spotify answered 429 with a long Retry-After, or the database was unreachable: run again at `runAt`, not before. */
  | { kind: 'deferred'; runAt: Date; error: CaptureFailureInfo }
  /** Failed; another attempt is due at `runAt` (attempt `attempt` of the policy's maximum). */
  | { kind: 'retry'; runAt: Date; attempt: number; error: CaptureFailureInfo }
  /** Failed for good (retries ran out, or an on-demand capture). */
  | { kind: 'failed'; error: CaptureFailureInfo }
  /** Spotify revoked the user's access; the user is flagged and no longer scheduled. */
  | { kind: 'needs_reauth'; error: CaptureFailureInfo };

export interface RunCaptureOptions {
  /** 'scheduled' plans retries and deferrals; 'once' (on demand) reports and stops. */
  mode: 'scheduled' | 'once';
  /** Failed attempts before this one in the same scheduled run. */
  previousFailures?: number;
  retryPolicy?: RetryPolicy;
  date?: string;
}

/**
 * One capture with its bookkeeping: records success or failure in capture_status and decides
 * what comes next. Never throws for Spotify or capture failures (they are outcomes); database
 * failures while recording do throw, so a job runner can retry the whole job.
 */
export async function runCapture(deps: CaptureDeps, userId: number, options: RunCaptureOptions): Promise<CaptureRunOutcome> {
  let result: CaptureResult;
  try {
    result = await captureSnapshot(deps, userId, { date: options.date });
  } catch (error) {
    return recordFailure(deps, userId, error, options);
  }
  await recordCaptureSuccess(deps.db, userId, { at: deps.clock.now(), date: result.snapshotDate, counts: result.counts });
  return { kind: 'captured', result };
}

async function recordFailure(deps: CaptureDeps, userId: number, error: unknown, options: RunCaptureOptions): Promise<CaptureRunOutcome> {
  const at = deps.clock.now();
  const info = failureInfo(error);
  if (error instanceof SpotifyReauthRequiredError) {
    await recordNeedsReauth(deps.db, userId, { at, ...info });
    return { kind: 'needs_reauth', error: info };
  }
  const attempts = (options.previousFailures ?? 0) + 1;
  if (options.mode === 'once') {
    await recordCaptureFailure(deps.db, userId, { at, ...info, state: 'idle', nextRunAt: null, attempts });
    return { kind: 'failed', error: info };
  }
  if (error instanceof SpotifyRateLimitedError || isConnectionError(error)) {
    // Spotify's wait is the rule, or the database went away mid-capture (if it is still away, the
    // write below fails too and the job runner retries the whole job); neither counts as a failed attempt.
    const retryAt = error instanceof SpotifyRateLimitedError ? error.retryAt : new Date(at.getTime() + DATABASE_OUTAGE_DELAY_SECONDS * 1000);
    const runAt = new Date(Math.max(retryAt.getTime(), at.getTime()));
    await recordCaptureFailure(deps.db, userId, { at, ...info, state: 'deferred', nextRunAt: runAt, attempts: attempts - 1 });
    return { kind: 'deferred', runAt, error: info };
  }
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  if (attempts >= policy.maxAttempts) {
    await recordCaptureFailure(deps.db, userId, { at, ...info, state: 'failed', nextRunAt: null, attempts });
    return { kind: 'failed', error: info };
  }
  const runAt = new Date(at.getTime() + retryDelaySeconds(policy, attempts) * 1000);
  await recordCaptureFailure(deps.db, userId, { at, ...info, state: 'retrying', nextRunAt: runAt, attempts });
  return { kind: 'retry', runAt, attempt: attempts + 1, error: info };
}

/** base, 2 x base, 4 x base... capped: after `failures` failed attempts. */
export function retryDelaySeconds(policy: RetryPolicy, failures: number): number {
  return Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, failures - 1));
}

function failureInfo(error: unknown): CaptureFailureInfo {
  const outage = asDatabaseUnavailable(error);
  if (outage) return { code: outage.code, message: outage.message };
  if (error instanceof AppError) return { code: error.code, message: error.message };
  return { code: 'internal_error', message: errorMessage(error) };
}

/** On-demand capture of every schedulable user, now, in this process (`mtm snapshot --all`). */
export async function captureAllNow(
  deps: CaptureDeps,
  options: { concurrency: number },
): Promise<Array<{ userId: number; outcome: CaptureRunOutcome }>> {
  const userIds = await listSchedulableUserIds(deps.db);
  return mapWithConcurrency(userIds, options.concurrency, async (userId) => ({
    userId,
    outcome: await runCapture(deps, userId, { mode: 'once' }),
  }));
}

export interface CaptureStatusReport extends UserCaptureStatus {
  /** When this user's next capture is due: a planned retry or deferral, else the next cron tick; null when none will run. */
  next_run: Date | null;
  /** When Spotify stops accepting the stored access (six months after the last login); null when unknown. */
  access_deadline: Date | null;
  /** Whole days until access_deadline (negative once past); null when unknown. */
  days_left: number | null;
}

/**
 * Every user's capture status with the time of their next capture and how long their Spotify
 * access lasts (`mtm snapshot --status`): fewest days left first, users without a known
 * authorization time last.
 */
export async function captureStatusReport(
  db: CaptureDeps['db'],
  options: { cron: string; now: Date; spotifyId?: string | undefined; userId?: number },
): Promise<CaptureStatusReport[]> {
  const rows = await listCaptureStatus(db, { spotifyId: options.spotifyId, userId: options.userId });
  const nextTick = nextCronRun(options.cron, options.now);
  const report = rows.map((row) => ({
    ...row,
    next_run: nextRun(row),
    access_deadline: row.spotify_authorized_at && spotifyAccessDeadline(row.spotify_authorized_at),
    days_left: row.spotify_authorized_at && daysLeft(row.spotify_authorized_at, options.now),
  }));
  // Stable sort: equal days (and unknown ones) keep the users' id order.
  return report.sort((a, b) => (a.days_left ?? Number.POSITIVE_INFINITY) - (b.days_left ?? Number.POSITIVE_INFINITY));

  function nextRun(row: UserCaptureStatus): Date | null {
    if (row.needs_reauth || !row.has_token) return null; // nothing runs until they log in again
    if (row.next_run_at) return row.next_run_at; // a retry or Spotify's Retry-After
    if (row.state === 'queued') return options.now; // waiting for a free worker
    return nextTick;
  }
}

/**
 * The capture a login starts at once: the first login's (no snapshot yet, so the pages are never
 * empty) and the one after a lapse of Spotify access (captures stopped at `needs_reauth`; this
 * resumes them today instead of at the next scheduled run, so the gap ends here). Returns
 * undefined for any other login (a returning user whose captures are running).
 */
export async function captureAfterLogin(deps: CaptureDeps, userId: number): Promise<CaptureRunOutcome | undefined> {
  const archive = await countArchive(deps.db, userId);
  const status = await findCaptureStatus(deps.db, userId);
  const firstLogin = archive.snapshots === 0 && !status?.last_success_at;
  const resumed = status?.state === 'needs_reauth';
  if (!firstLogin && !resumed) return undefined;
  return runCapture(deps, userId, { mode: 'once' });
}
