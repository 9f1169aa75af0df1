import { AppError } from '../lib/errors.js';

/**
 * Telling "the database is not there right now" apart from every other database error.
 *
 * A restart, failover, upgrade or `pg_terminate_backend` reaches the app as one of: a PostgreSQL
 * error whose SQLSTATE says the session was ended or refused, a socket error from Node, or one of
 * node-postgres's own messages for a connection that closed or never opened. All of these are
 * temporary and say nothing about the request, so they become a 503 with Retry-After (and a
 * deferred scheduled capture) instead of a 500 (or a failed one).
 */

/** How long clients are asked to wait before trying again (Retry-After, in seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The database is unreachable or dropped the connection; try again shortly. */
export class DatabaseUnavailableError extends AppError {
  readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;

  constructor(options?: { cause?: unknown }) {
    super('database_unavailable', 503, 'The database is unavailable right now. Please try again shortly.', options);
  }
}

/**
 * SQLSTATEs of a session the server ended or would not start: admin_shutdown (57P01, what
 * pg_terminate_backend and a fast shutdown send), crash_shutdown (57P02), cannot_connect_now
 * (57P03, starting up or in recovery), idle_session_timeout (57P05), too_many_connections (53300).
 * Class 08 (connection_exception) is matched by prefix.
 */
const OUTAGE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '53300']);

/** Node socket errors on the way to the server. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * node-postgres and pg-pool messages for a connection that closed, timed out or was never made
 * (they carry no code). "timeout exceeded when trying to connect" is also what a saturated pool
 * says after connectionTimeoutMillis; that too deserves a 503 rather than a 500.
 */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^timeout expired$/,
];

/** True when `error` (or anything in its `cause` chain or AggregateError list) is an outage. */
export function isConnectionError(error: unknown): boolean {
  return someInChain(error, (e) => {
    if (e instanceof DatabaseUnavailableError) return true;
    const code = typeof e.code === 'string' ? e.code : '';
    if (OUTAGE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || SOCKET_CODES.has(code)) return true;
    return typeof e.message === 'string' && !code && DRIVER_MESSAGES.some((pattern) => pattern.test(e.message as string));
  });
}

/**
 * The pool could not hand out a connection because the server is down (as opposed to a query on
 * a live connection being cut): what the connection breaker counts. A pool that is only busy
 * ("timeout exceeded when trying to connect") is not a sign the server is gone.
 */
export function isConnectFailure(error: unknown): boolean {
  return isConnectionError(error) && !someInChain(error, (e) => e.message === 'timeout exceeded when trying to connect');
}

/** `error` as a DatabaseUnavailableError when it is an outage, else undefined. */
export function asDatabaseUnavailable(error: unknown): DatabaseUnavailableError | undefined {
  if (error instanceof DatabaseUnavailableError) return error;
  return isConnectionError(error) ? new DatabaseUnavailableError({ cause: error }) : undefined;
}

type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

function someInChain(error: unknown, test: (e: ErrorLike) => boolean): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as ErrorLike;
    if (test(e)) return true;
    // An AppError was classified by our own code (a Spotify outage wraps its socket error):
    // what caused it is not a database matter.
    if (current instanceof AppError) continue;
    pending.push(e.cause);
    // Node reports a refused connection to a name with several addresses as an AggregateError.
    if (Array.isArray(e.errors)) pending.push(...(e.errors as unknown[]));
  }
  return false;
}
