import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger, type Logger } from './lib/logger.js';

/**
 * The one composition root: everything the app, the jobs and the CLI need, built once from the
 * config. Tests build it with their own database, clock and logger.
 */
export interface Deps {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Releases everything in reverse order of creation; safe to call twice. */
  close(): Promise<void>;
}

export interface DepsOverrides {
  database?: Database;
  clock?: Clock;
  logger?: Logger;
}

export async function createDeps(config: Config, overrides: DepsOverrides = {}): Promise<Deps> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const database = overrides.database ?? (await openDatabase(config.database, logger));
  let closed: Promise<void> | undefined;
  return {
    config,
    database,
    clock: overrides.clock ?? systemClock,
    logger,
    close: () => (closed ??= database.close()),
  };
}
