import { Worker } from 'node:worker_threads';
import type { DatabaseConnection, DatabaseIntrospector, Dialect, DialectAdapter, Driver, QueryCompiler, TransactionSettings } from 'kysely';
import { CompiledQuery, Kysely as KyselyClass, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Kysely } from './kysely.js';
import { PgliteWorkerConnection, toError } from './pglite-connection.js';
import type { DB } from './schema.js';
import { SingleConnectionLock } from './single-connection-lock.js';

/**
 * The Kysely driver for PGlite in a worker thread: starts the worker, hands its single
 * connection to one caller at a time (a transaction keeps it until commit or rollback; others
 * queue on the lock), and offers the embedded-only operations: holding the connection for a
 * bulk job, and dumping the database.
 */
export interface PgliteOptions {
  /** A folder, or memory:// for a database that lives only as long as the process. */
  dataDir: string;
  /** Start from this dump (a tarball from `EmbeddedDatabase.dump()`) instead of an empty database. */
  loadDataDir?: Uint8Array;
  /** Server settings for this start, `name=value` (see EMBEDDED_BULK_START in database.ts). */
  settings?: string[];
  /**
   * An image's cluster to copy to `dataDir` first (a fresh folder; see pglite-image.ts). The
   * worker copies it while it loads PGlite.
   */
  seedFrom?: string;
}

interface WorkerReply {
  id: number;
  result?: unknown;
  error?: { message: string } & Record<string, string>;
}

export class PgliteWorkerDriver implements Driver {
  readonly #options: PgliteOptions;
  #worker: Worker | undefined;
  #failure: Error | undefined;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;
  readonly #lock = new SingleConnectionLock();
  readonly #connection = new PgliteWorkerConnection((op, payload, transfer) => this.#call(op, payload, transfer));

  constructor(options: PgliteOptions) {
    this.#options = options;
  }

  async init(): Promise<void> {
    const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), {
      workerData: this.#options,
    });
    this.#worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      this.#pending.set(0, { resolve: () => resolve(), reject });
    });
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (reply.error) waiter.reject(toError(reply.error));
      else waiter.resolve(reply.result);
    });
    worker.on('error', (error) => this.#fail(error));
    worker.on('exit', (code) => this.#fail(new Error(`the embedded database worker stopped (exit code ${code})`)));
    await ready;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const mode = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await connection.executeQuery(CompiledQuery.raw(`start transaction${mode}`));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdent(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdent(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdent(name)}`));
  }

  /**
   * Holds the single connection for `work` (a bulk job): queries run on `db` (a Kysely bound to
   * this connection) and COPY goes through `copyBatch`. Everyone else waits until `work` ends.
   */
  async withHeldConnection<T>(
    work: (held: { db: Kysely<DB>; copyBatch: (sql: string, data: Uint8Array) => Promise<number> }) => Promise<T>,
  ): Promise<T> {
    await this.#lock.acquire();
    const connection = this.#connection;
    const db = new KyselyClass<DB>({ dialect: new HeldConnectionDialect(connection, this) });
    try {
      return await work({ db, copyBatch: (sql, data) => connection.copyFrom(sql, data) });
    } finally {
      // A job that failed inside a transaction must not hand an aborted session to the next caller.
      await connection.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
      await db.destroy();
      this.#lock.release();
    }
  }

  /** See PgliteOptions.loadDataDir. Waits for the connection so no transaction is half-done. */
  async dump(): Promise<Uint8Array> {
    await this.#lock.acquire();
    try {
      return (await this.#call('dump', {})) as Uint8Array;
    } finally {
      this.#lock.release();
    }
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    const worker = this.#worker;
    if (!worker || this.#failure) return;
    await this.#call('close', {});
    this.#failure = new Error('the embedded database is closed');
    await worker.terminate();
  }

  #call(op: string, payload: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker!.postMessage({ id, op, ...payload }, transfer);
    });
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
  }
}

/** A dialect over a connection someone already holds (see withHeldConnection). */
class HeldConnectionDialect implements Dialect {
  constructor(
    private readonly connection: DatabaseConnection,
    private readonly outer: PgliteWorkerDriver,
  ) {}
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    const { connection, outer } = this;
    return {
      init: async () => {},
      acquireConnection: async () => connection,
      beginTransaction: (c, settings) => outer.beginTransaction(c, settings),
      commitTransaction: (c) => outer.commitTransaction(c),
      rollbackTransaction: (c) => outer.rollbackTransaction(c),
      savepoint: (c, name) => outer.savepoint(c, name),
      rollbackToSavepoint: (c, name) => outer.rollbackToSavepoint(c, name),
      releaseSavepoint: (c, name) => outer.releaseSavepoint(c, name),
      releaseConnection: async () => {},
      destroy: async () => {},
    };
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
