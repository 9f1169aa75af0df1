import type PgBoss from 'pg-boss';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { claimScheduledCaptures, findCaptureStatus } from '../repositories/capture-status.js';
import { inTransaction, type Db } from '../repositories/executor.js';
import type { CaptureDeps } from '../services/capture.js';
import { runCapture, type RetryPolicy } from '../services/capture-runs.js';
import { bossDbOver } from './boss-db.js';
import { QUEUES } from './queues.js';


export interface CaptureJobData {
  userId: number;
  /** The scheduled day this job belongs to (UTC, YYYY-MM-DD). */
  date: string;
  /** Failed attempts so far for this user and day. */
  failures: number;
}

export interface JobContext {
  db: Db;
  boss: PgBoss;
  clock: Clock;
  logger: Logger;
  capture: CaptureDeps;
  retryPolicy?: RetryPolicy | undefined;
}

/** The one pg-boss key per user and day: a second send for the same pair is dropped. */
export function captureJobKey(userId: number, date: string): string {
  return `capture:${userId}:${date}`;
}

/**
 * Claims every schedulable user for `date` and queues one capture job each, in one transaction:
 * a claim without its job (or the reverse) can never be committed. Users another instance has
 * already claimed for this date are not returned, so they are not queued twice.
 */
export async function enqueueScheduledCaptures(ctx: JobContext, date: string): Promise<number[]> {
  return inTransaction(ctx.db, async (trx) => {
    const userIds = await claimScheduledCaptures(trx, date);
    if (userIds.length > 0) {
      await ctx.boss.insert(
        userIds.map((userId) => ({
          name: QUEUES.capture,
          data: { userId, date, failures: 0 } satisfies CaptureJobData,
          singletonKey: captureJobKey(userId, date),
        })),
        { db: bossDbOver(trx) },
      );
    }
    return userIds;
  });
}

/**
 * Runs one scheduled capture and plans what follows: after a long 429 the same job again once
 * Spotify's wait is over; after another failure a retry with backoff; nothing after success,
 * re-authentication needed, or retries exhausted. Returns what it did, for logs and tests.
 */
export async function handleCaptureJob(ctx: JobContext, data: CaptureJobData): Promise<string> {
  const status = await findCaptureStatus(ctx.db, data.userId);
  // A newer day's claim supersedes this job (e.g. a deferral that slipped past midnight).
  if (status?.scheduled_date && status.scheduled_date > data.date) return 'superseded';
  if (status?.state === 'needs_reauth') return 'skipped: needs re-authentication';
  // A login or an on-demand capture already took this day's snapshot: once per day is enough.
  if (status?.last_success_date && status.last_success_date >= data.date) return 'already captured';

  const outcome = await runCapture(ctx.capture, data.userId, {
    mode: 'scheduled',
    previousFailures: data.failures,
    retryPolicy: ctx.retryPolicy,
  });
  const log = { userId: data.userId, date: data.date };
  switch (outcome.kind) {
    case 'captured':
      ctx.logger.info({ ...log, counts: outcome.result.counts }, 'captured snapshot');
      return outcome.result.outcome;
    case 'needs_reauth':
      ctx.logger.warn(log, 'Spotify access revoked; user must log in again');
      return 'needs_reauth';
    case 'failed':
      ctx.logger.error({ ...log, error: outcome.error }, 'snapshot capture failed; no retries left');
      return 'failed';
    case 'deferred':
    case 'retry': {
      const failures = outcome.kind === 'retry' ? data.failures + 1 : data.failures;
      // Relative seconds, so pg-boss measures the wait on the database's clock.
      const delaySeconds = Math.max(1, Math.ceil((outcome.runAt.getTime() - ctx.clock.now().getTime()) / 1000));
      await ctx.boss.send(QUEUES.capture, { ...data, failures } satisfies CaptureJobData, {
        startAfter: delaySeconds,
        singletonKey: captureJobKey(data.userId, data.date),
      });
      ctx.logger.warn({ ...log, runAt: outcome.runAt, error: outcome.error }, `snapshot capture ${outcome.kind === 'retry' ? 'will be retried' : outcome.error.code === 'database_unavailable' ? 'deferred: database unavailable' : 'deferred by Spotify'}`);
      return outcome.kind;
    }
  }
}
