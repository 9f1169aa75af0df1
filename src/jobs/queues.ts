/** pg-boss queues, one per purpose. */
export const QUEUES = Object.freeze({
  /** Fired by cron (once per tick across all instances): claims users and fans out captures. */
  schedule: 'snapshot-schedule',
  /** One job per user and scheduled day (plus its retries and deferrals). */
  capture: 'snapshot-capture',
});

/** pg-boss keeps its tables in their own schema, apart from ours. */
export const BOSS_SCHEMA = 'pgboss';
