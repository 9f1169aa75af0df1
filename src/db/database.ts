import { resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from './kysely.js';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { copyInBatches, copyStatement, postgresBulkSession, type WithBulkSession } from './bulk-session.js';
import { ConnectionBreaker, createPostgresPool, guardedPool } from './postgres-pool.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { PgliteWorkerDialect } from './pglite-dialect.js';
import type { PgliteOptions } from './pglite-driver.js';
import { imageToSeed } from './pglite-image.js';
import type { DB } from './schema.js';
import { TYPE_PARSERS } from './type-parsers.js';

/**
 * One database handle for the whole app. Either a real PostgreSQL server through a `pg.Pool`,
 * or the embedded PGlite in DATA_DIR; the rest of the code only sees `db` (Kysely) and cannot
 * tell which, because both return the same JavaScript values (see type-parsers.js).
 */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
  readonly db: Kysely<DB>;
  /** Where the data lives, safe to log: no password. */
  readonly location: string;
  /** Runs a bulk job (COPY, temp tables) on one held session; see bulk-session.ts. */
  readonly withBulkSession: WithBulkSession;
  /**
   * Settles when the database has answered its first query (rejects when it cannot start).
   * Already settled unless opened with `background: true`.
   */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseLogger {
  warn(details: object, message: string): void;
}

export interface EmbeddedDatabase extends Database {
  /** The whole database as a tarball that `openEmbedded({ loadDataDir })` starts from. */
  dump(): Promise<Uint8Array>;
}

export interface OpenOptions {
  /** Embedded, fresh folder: start from the migrated image if one fits (see pglite-image.ts). */
  startFromImage?: boolean;
  /** Embedded: the process runs one bulk job (`mtm import-sqlite`); see EMBEDDED_BULK_START. */
  bulkJob?: boolean;
  /**
   * Embedded: return once the folder is locked (and copied from the image), while PGlite boots
   * in its worker (~1-2 s); `ready` says when it has. The server builds its app meanwhile.
   */
  background?: boolean;
}

/**
 * How PGlite starts in a process that runs one bulk job and no web pages. PGlite's 128 MB of
 * shared buffers are WebAssembly memory that is touched at start and never given back: ~100 MB
 * of the embedded import's peak. The import does not need them: COPY and the index builds go
 * through their own small buffer rings and sort memory, and pages written out go to the operating
 * system's cache, not to disk. The server keeps PGlite's default (page queries reread the same
 * tables).
 * See docs/LEGACY-IMPORT.md for the figures.
 */
export const EMBEDDED_BULK_START = { settings: ['shared_buffers=16MB'] } satisfies Partial<PgliteOptions>;

export async function openDatabase(config: DatabaseConfig, logger?: DatabaseLogger, options: OpenOptions = {}): Promise<Database> {
  return config.kind === 'postgres'
    ? openPostgres(config, logger)
    : openEmbedded({
        dataDir: config.dataDir,
        startFromImage: options.startFromImage,
        background: options.background,
        ...(options.bulkJob && EMBEDDED_BULK_START),
      });
}

function openPostgres(config: Extract<DatabaseConfig, { kind: 'postgres' }>, logger?: DatabaseLogger): Database {
  // Connection failures are logged and survived, never fatal; see postgres-pool.ts.
  const pool = createPostgresPool(
    {
      connectionString: config.url,
      min: config.poolMin,
      max: config.poolMax,
      // A runaway query must not hold a pooled connection forever.
      statement_timeout: config.statementTimeoutMs || undefined,
      idleTimeoutMillis: 30_000,
      application_name: 'music-time-machine',
      types: {
        getTypeParser: ((oid: number, format?: string) =>
          TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
    },
    logger,
  );
  // While the server is unreachable, checkouts fail at once (a 503) instead of each waiting.
  const guarded = guardedPool(pool, new ConnectionBreaker());
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: guarded }) });
  return {
    kind: 'postgres',
    db,
    location: redactUrl(config.url),
    withBulkSession: postgresBulkSession(guarded),
    ready: Promise.resolve(),
    close: () => db.destroy(),
  };
}

export interface EmbeddedOptions extends PgliteOptions {
  /**
   * A folder with no cluster yet starts as a copy of the migrated image (true: the one
   * `npm install` built; tests name their own image folder and migrations), instead of a new
   * cluster. The caller still runs the migrator, which applies only migrations newer than the image.
   */
  startFromImage?: boolean | { imageDir: string; migrationsDir?: string };
  /** See OpenOptions.background. */
  background?: boolean;
}

/** The embedded PGlite; a folder is locked to this process (see data-dir-lock.ts), memory:// is not. */
export async function openEmbedded({ startFromImage, background, ...options }: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const memory = options.dataDir.startsWith('memory://');
  const folder = memory ? options.dataDir : resolve(options.dataDir);
  const lock: DataDirLock | undefined = memory ? undefined : acquireDataDirLock(folder);
  const pgdata = memory ? folder : `${folder}/pgdata`;
  let seedFrom: string | undefined;
  try {
    // Under the lock, so two starts never copy into one folder.
    if (startFromImage && !memory && !options.loadDataDir) {
      const where: { imageDir?: string; migrationsDir?: string } = typeof startFromImage === 'object' ? startFromImage : {};
      seedFrom = imageToSeed(pgdata, where.imageDir, where.migrationsDir);
    }
  } catch (error) {
    lock?.release();
    throw error;
  }
  const dialect = new PgliteWorkerDialect({ ...options, dataDir: pgdata, seedFrom });
  const db = new Kysely<DB>({ dialect });
  // Starts the worker now, so a broken data folder fails at start-up, not at the first page.
  const ready = sql`select 1`.execute(db).then(() => {});
  if (background) {
    ready.catch(() => {}); // the caller awaits it; until then a failure is not "unhandled"
  } else {
    try {
      await ready;
    } catch (error) {
      await db.destroy().catch(() => {});
      lock?.release();
      throw error;
    }
  }
  return {
    kind: 'embedded',
    db,
    location: folder,
    ready,
    dump: () => dialect.driver.dump(),
    withBulkSession: (work) =>
      dialect.driver.withHeldConnection(({ db: held, copyBatch }) =>
        work({
          kind: 'embedded',
          db: held,
          copyInto: (table, columns, chunks) =>
            copyInBatches(chunks, (data) => copyBatch(copyStatement(table, columns, "'/dev/blob'"), data)),
        }),
      ),
    close: async () => {
      try {
        await db.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function pingDatabase(db: Kysely<DB>, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([sql`select 1`.execute(db).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
