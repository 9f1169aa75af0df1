import pg from 'pg';
import { DatabaseUnavailableError, isConnectFailure } from './connection-errors.js';

/**
 * node-postgres pools that survive the server going away.
 *
 * node-postgres emits 'error' on a Client whose connection breaks (the server ended the session,
 * the socket closed). While the client sits idle in the pool, the pool catches that and re-emits
 * it as the pool's own 'error'. While the client is checked out (Kysely holds it for a query or a
 * transaction, a bulk session for a COPY), nothing listens, and an 'error' event with no listener
 * ends the process. So every client gets a listener of its own the moment the pool creates it
 * ('connect'), for its whole life. The failure itself still reaches the caller as the rejected
 * query, and a client that failed is not queryable any more, so the pool discards it on release.
 */

/** How long opening a connection (or waiting for a free one) may take before it fails. */
export const CONNECT_TIMEOUT_MS = 5000;

export interface PoolLogger {
  warn(details: object, message: string): void;
}

export function createPostgresPool(config: pg.PoolConfig, logger?: PoolLogger, label = 'PostgreSQL'): pg.Pool {
  const pool = new pg.Pool({ connectionTimeoutMillis: CONNECT_TIMEOUT_MS, ...config });
  pool.on('connect', (client) => {
    client.on('error', (error) => logger?.warn({ err: error }, `${label} connection lost`));
  });
  // The idle client's failure, re-emitted by the pool; without a listener it would crash us too.
  // The client is already removed from the pool; the next checkout opens a new one.
  pool.on('error', (error) => logger?.warn({ err: error }, `idle ${label} connection lost`));
  return pool;
}

/**
 * Fails fast while the server is down. After a checkout fails because the server could not be
 * reached, further checkouts are refused at once with DatabaseUnavailableError for `openMs`;
 * then one checkout is let through as a probe (the others still fail fast), and the first one
 * that succeeds closes the breaker. Without it, every request during an outage where the server
 * does not answer at all (no RST: a dead host, a black-holed network) would wait out the whole
 * connect timeout.
 */
export class ConnectionBreaker {
  private openUntil = 0;
  private tripped = false;
  /** Why the breaker opened, for the logs of the requests it refuses. */
  private lastFailure: unknown;

  constructor(
    private readonly openMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while checkouts are being refused. */
  get isOpen(): boolean {
    return this.tripped;
  }

  async run<T>(connect: () => Promise<T>): Promise<T> {
    if (this.tripped) {
      const now = this.now();
      if (now < this.openUntil) throw new DatabaseUnavailableError({ cause: this.lastFailure });
      // This caller is the probe; the next one waits for another period.
      this.openUntil = now + this.openMs;
    }
    try {
      const result = await connect();
      this.tripped = false;
      return result;
    } catch (error) {
      if (isConnectFailure(error)) {
        this.tripped = true;
        this.lastFailure = error;
        this.openUntil = this.now() + this.openMs;
      }
      throw error;
    }
  }
}

/**
 * The pool as Kysely's PostgresDialect and bulk sessions see it: checkouts go through the breaker.
 * Returns the pool's own client objects (Kysely keys its connections by them).
 */
export function guardedPool(pool: pg.Pool, breaker: ConnectionBreaker): pg.Pool {
  return {
    connect: () => breaker.run(() => pool.connect()),
    end: () => pool.end(),
  } as unknown as pg.Pool;
}
