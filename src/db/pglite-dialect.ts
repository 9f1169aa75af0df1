import type { DatabaseIntrospector, Dialect, DialectAdapter, Driver, QueryCompiler } from 'kysely';
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Kysely } from './kysely.js';
import { PgliteWorkerDriver, type PgliteOptions } from './pglite-driver.js';

/**
 * A Kysely dialect for PGlite running in a worker thread (see pglite-worker.js): the driver
 * (pglite-driver.ts) hands out the one connection (pglite-connection.ts) under a lock
 * (single-connection-lock.ts). Everything else is Kysely's own PostgreSQL adapter and compiler,
 * so queries are identical to the ones node-postgres runs.
 */
export class PgliteWorkerDialect implements Dialect {
  /**
   * The driver, made with the dialect rather than when Kysely asks for it, so database.ts reaches
   * the embedded-only operations (dump, a held connection) through a typed handle.
   */
  readonly driver: PgliteWorkerDriver;

  constructor(options: PgliteOptions) {
    this.driver = new PgliteWorkerDriver(options);
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return this.driver;
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}
