import PgBoss from 'pg-boss';
import { isConnectionError } from '../db/connection-errors.js';
import type { Database } from '../db/database.js';
import { createPostgresPool } from '../db/postgres-pool.js';
import type { Clock } from '../lib/clock.js';
import { toIsoDate } from '../lib/dates.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Db } from '../repositories/executor.js';
import type { CaptureDeps } from '../services/capture.js';
import type { RetryPolicy } from '../services/capture-runs.js';
import { bossDbOver, bossDbOverPool, withUnrecordedCompletions } from './boss-db.js';
import { BOSS_SCHEMA, QUEUES } from './queues.js';
export { BOSS_SCHEMA, QUEUES } from './queues.js';
import { enqueueScheduledCaptures, handleCaptureJob, type CaptureJobData } from './snapshot-jobs.js';

export interface JobRunnerOptions {
  database: Database;
  /** PostgreSQL: pg-boss gets its own small pool on this URL. Unset (embedded): it shares our handle. */
  postgresUrl?: string | undefined;
  clock: Clock;
  logger: Logger;
  capture: CaptureDeps;
  /** 5-field cron (UTC) for the scheduled capture; undefined installs no schedule (tests, CLI). */
  cron?: string | undefined;
  /** Captures running at once in this process. */
  concurrency: number;
  retryPolicy?: RetryPolicy | undefined;
  /** How often an idle worker looks for jobs (pg-boss minimum 0.5). */
  pollingIntervalSeconds?: number | undefined;
  /** false: only send jobs (the CLI), never run them. */
  work?: boolean;
}

export interface JobRunner {
  readonly boss: PgBoss;
  start(): Promise<void>;
  /** Stops fetching, waits for running captures (up to a timeout), closes pg-boss's pool. */
  stop(): Promise<void>;
  /** What the schedule does, run now: claim today's users and queue their captures. */
  runScheduledCaptures(): Promise<{ date: string; userIds: number[] }>;
  /** Queue one run of the schedule (as a cron tick would), for any instance's worker to take. */
  triggerSchedule(): Promise<void>;
}

/** Connections pg-boss's own pool may open on PostgreSQL (per instance), for pool sizing and `mtm preflight`. */
export function jobsPoolMax(concurrency: number): number {
  return Math.min(4, concurrency + 2);
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { database, logger } = options;
  // Idle polling only: a worker that found a job fetches the next one at once (see below).
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2;
  // PostgreSQL: a small pool of pg-boss's own, hardened like the app's (a lost connection is
  // logged, never fatal; see db/postgres-pool.ts). Embedded: our handle.
  const bossPool = options.postgresUrl
    ? createPostgresPool({ connectionString: options.postgresUrl, max: jobsPoolMax(options.concurrency), application_name: 'music-time-machine-jobs' }, logger, 'job queue PostgreSQL')
    : undefined;
  const boss = new PgBoss({
    db: withUnrecordedCompletions(bossPool ? bossDbOverPool(bossPool) : bossDbOver(database.db), BOSS_SCHEMA, (error) =>
      logger.warn({ err: error }, 'could not record a job as done or failed; it will expire and run again'),
    ),
    schema: BOSS_SCHEMA,
    // Cron ticks are de-duplicated across instances by pg-boss itself.
    schedule: options.cron !== undefined,
    supervise: true,
    migrate: true,
  });
  // pg-boss reports its failures (a poll, maintenance, a cron tick) here and carries on; during
  // a database outage that is a warning per poll, and work resumes when the database is back.
  boss.on('error', (error) => {
    if (isConnectionError(error)) logger.warn({ err: error }, 'job queue cannot reach the database; retrying');
    else logger.error({ err: error }, 'job queue error');
  });

  const ctx = {
    db: database.db,
    boss,
    clock: options.clock,
    logger,
    capture: options.capture,
    retryPolicy: options.retryPolicy,
  };

  let started = false;
  let stopping: Promise<void> | undefined;

  async function runScheduledCaptures() {
    const date = toIsoDate(options.clock.now());
    const userIds = await enqueueScheduledCaptures(ctx, date);
    logger.info({ date, users: userIds.length }, 'queued scheduled snapshot captures');
    return { date, userIds };
  }

  return {
    boss,
    async start() {
      if (started) return;
      started = true;
      await boss.start();
      await ensureQueues(boss);
      if (options.cron !== undefined) await boss.schedule(QUEUES.schedule, options.cron, {}, { tz: 'UTC' });
      if (options.work === false) return;
      await boss.work(QUEUES.schedule, { pollingIntervalSeconds, batchSize: 1 }, async () => {
        await runScheduledCaptures();
      });
      for (let i = 0; i < options.concurrency; i += 1) {
        const worker = { id: '' };
        worker.id = await boss.work<CaptureJobData>(QUEUES.capture, { pollingIntervalSeconds, batchSize: 1 }, async ([job]) => {
          if (!job) return;
          await handleCaptureJob(ctx, job.data);
          // There was work, so there may be more: fetch again at once instead of sleeping out the
          // polling interval (an empty fetch goes back to polling).
          if (worker.id) boss.notifyWorker(worker.id);
        });
      }
    },
    stop() {
      return (stopping ??= (async () => {
        try {
          if (started) await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
        } catch (error) {
          logger.error({ err: error }, `stopping the job queue failed: ${errorMessage(error)}`);
        } finally {
          await bossPool?.end();
        }
      })());
    },
    runScheduledCaptures,
    async triggerSchedule() {
      await boss.send(QUEUES.schedule, {});
    },
  };
}

/**
 * pg-boss's schema and queues (ours, and the cron queue its scheduler makes), as the first start
 * creates them, and nothing else: no worker, no schedule row, no maintenance. The embedded image
 * build runs it (scripts/build-pglite-image.ts), so a fresh data folder starts with them in place
 * and `start()` only checks them.
 */
export async function installJobQueues(db: Db): Promise<void> {
  const boss = new PgBoss({ db: bossDbOver(db), schema: BOSS_SCHEMA, migrate: true, supervise: false, schedule: true });
  await boss.start();
  try {
    await ensureQueues(boss);
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

async function ensureQueues(boss: PgBoss): Promise<void> {
  // Jobs left behind by a crash expire after 15 minutes and are retried by pg-boss.
  await ensureQueue(boss, { name: QUEUES.schedule, policy: 'standard', retryLimit: 2, retryDelay: 60 });
  // 'short': at most one waiting job per singleton key (user and day), whoever sends it.
  await ensureQueue(boss, { name: QUEUES.capture, policy: 'short', retryLimit: 2, retryDelay: 60, expireInSeconds: 900 });
}

async function ensureQueue(boss: PgBoss, queue: PgBoss.Queue): Promise<void> {
  // createQueue is idempotent in pg-boss 10 (it checks first), but instances starting at the same
  // moment race on it: the loser fails on the unique insert, or as a deadlock victim while both
  // create the queue's partition (seen with three instances started at once). Either way the
  // queue exists, or will once the winner commits: look, wait a little, try again.
  for (let attempt = 1; ; attempt += 1) {
    try {
      await boss.createQueue(queue.name, queue);
      return;
    } catch (error) {
      if (await boss.getQueue(queue.name)) return;
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.floor(Math.random() * 100)));
    }
  }
}
