import type { CompiledQuery, DatabaseConnection, QueryResult } from 'kysely';

/**
 * The one connection to the embedded database: each query is a message to the worker thread
 * (pglite-worker.js) that runs PGlite, answered with rows or with an error carrying PostgreSQL's
 * fields. Handed out by PgliteWorkerDriver to one caller at a time.
 */

/** An error raised by the embedded PostgreSQL, with the same fields node-postgres exposes. */
export class EmbeddedDatabaseError extends Error {
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  column?: string;
  severity?: string;
}

export interface WorkerResult {
  rows: unknown[];
  affectedRows: number;
}

export type WorkerCall = (op: string, payload: Record<string, unknown>, transfer?: ArrayBuffer[]) => Promise<unknown>;

export class PgliteWorkerConnection implements DatabaseConnection {
  readonly #call: WorkerCall;

  constructor(call: WorkerCall) {
    this.#call = call;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = (await this.#call('query', {
      sql: compiledQuery.sql,
      params: [...compiledQuery.parameters],
    })) as WorkerResult;
    return { rows: result.rows as R[], numAffectedRows: BigInt(result.affectedRows) };
  }

  /** Kysely's .stream(): PGlite has no cursors across the worker boundary, so rows come in pages. */
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize = 1000): AsyncIterableIterator<QueryResult<R>> {
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let i = 0; i < rows.length; i += chunkSize) yield { rows: rows.slice(i, i + chunkSize) };
  }

  /** Bulk load: `sql` is a `COPY table (cols) FROM '/dev/blob' ...` statement, `data` its input. */
  async copyFrom(sql: string, data: Uint8Array): Promise<number> {
    // Moved to the worker rather than copied, when `data` owns its whole buffer (not a slice of
    // Node's shared Buffer pool); the caller must not touch it afterwards.
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
    const result = (await this.#call('copyFrom', { sql, blob: data }, owned ? [data.buffer as ArrayBuffer] : [])) as WorkerResult;
    return result.affectedRows;
  }
}

export function toError(serialized: { message: string } & Record<string, string>): Error {
  const error = new EmbeddedDatabaseError(serialized.message);
  Object.assign(error, serialized);
  return error;
}
