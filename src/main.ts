import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { Deps } from './deps.js';
import { toIsoDate } from './lib/dates.js';
import { environmentWithFile } from './lib/env-file.js';
import { AppError, errorMessage } from './lib/errors.js';
import { loadRuntimeConfig } from './runtime-config.js';
// The app itself (deps.js, app.js and all they import) loads in startServer, once the embedded
// database has started: see there.

/** How long a shutdown may take before in-flight requests are cut off. */
const SHUTDOWN_GRACE_MS = 10_000;
/** After this, a shutdown that still hangs ends the process (exit 1). */
const HARD_STOP_MS = SHUTDOWN_GRACE_MS + 5_000;

export interface RunningServer {
  app: FastifyInstance;
  deps: Deps;
  url: string;
  /** Stop accepting, finish in-flight requests, close the pool. Idempotent. */
  stop(): Promise<void>;
  /** Resolves with the process exit code once the server has stopped. */
  stopped: Promise<number>;
  /** Demo mode: resolves when the demo listeners' history is written (at once otherwise). */
  demoSeeded: Promise<void>;
}

export interface StartOptions {
  /** Stop gracefully on SIGTERM/SIGINT (default true; tests that own the process say false). */
  handleSignals?: boolean;
  /**
   * Stop gracefully when the process that started this one goes away. For `npx mtm serve`:
   * npx relays SIGTERM to the shell it started, which dies without passing it on, and this
   * server would otherwise keep running as an orphan.
   */
  stopWhenOrphaned?: boolean;
}

/** config -> deps (app built meanwhile) -> migrate -> jobs -> listen, with graceful shutdown on SIGTERM/SIGINT. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  // Embedded: PGlite starts first (lock, copy of the image, then ~1 s compiling its WebAssembly
  // in its worker thread), and this thread loads the app's modules (~1 s) meanwhile instead of
  // before. PostgreSQL: createDeps opens the pool as before.
  const opening = config.database.kind === 'embedded' ? openDatabase(config.database, undefined, { startFromImage: true, background: true }) : undefined;
  opening?.catch(() => {}); // awaited below; a failure must not count as unhandled meanwhile
  let app: FastifyInstance;
  let modules: AppModules;
  let database: Database | undefined;
  try {
    modules = await loadAppModules();
    database = await opening;
  } catch (error) {
    await opening?.then((opened) => opened.close(), () => {});
    throw error;
  }
  const deps = await modules.createDeps(config, database ? { database } : {});
  let listenHost = config.host;
  // The app is built and made ready (routes, and their schemas compiled: ~0.15 s; no query) while
  // the embedded database finishes booting in its worker, so listening is only binding the port.
  const building = readyApp(modules.buildApp(deps));
  building.catch(() => {}); // awaited below, after the database is known to be up
  try {
    await deps.database.ready;
    const { applied } = await migrateToLatest(deps.database.db);
    if (applied.length) deps.logger.info({ applied }, 'applied database migrations');
    // Scheduled captures (SNAPSHOT_CRON); stopped by deps.close() in the graceful shutdown.
    // Before listening: on the embedded database its start would otherwise queue in front of
    // the first requests on the one connection.
    await deps.jobs.start();
    app = await building;
    listenHost = await listen(app, config, deps);
  } catch (error) {
    await building.then((built) => built.close(), () => {});
    await deps.close();
    throw error;
  }

  const demoSeed = startDemoSeed(deps, modules.demoSeed);

  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const force = setTimeout(() => {
        deps.logger.error('shutdown took too long; closing open connections');
        app.server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      try {
        await demoSeed.stop();
        // Requests and running captures drain side by side (each bounded by SHUTDOWN_GRACE_MS),
        // then the pool closes under nobody.
        await Promise.all([app.close(), deps.jobs.stop()]);
        await deps.close();
        deps.logger.info('stopped');
      } finally {
        clearTimeout(force);
        resolveStopped(0);
      }
    })());

  // The process owner (not tests) stops on a signal, or when its launcher has gone.
  const shutDown = (details: object, message: string) => {
    if (stopping) return;
    deps.logger.info(details, message);
    // Last resort: a drain that hangs (a stuck query) must not keep a stopping release alive.
    const hardStop = setTimeout(() => {
      deps.logger.error(`shutdown did not finish within ${HARD_STOP_MS} ms; exiting`);
      process.exit(1);
    }, HARD_STOP_MS);
    hardStop.unref();
    void stop();
  };

  if (options.handleSignals ?? true) {
    // `npm start` relays a terminal's signal, so the same SIGTERM/SIGINT can arrive two or three
    // times: only the first starts the shutdown; repeats must not kill the process mid-way.
    const onSignal = (signal: NodeJS.Signals) => shutDown({ signal }, 'shutting down');
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    void stopped.then(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }
  if (options.stopWhenOrphaned) {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) shutDown({ parent }, 'shutting down: the process that started the server (npm or npx) has gone');
    }, 250);
    watch.unref();
    void stopped.then(() => clearInterval(watch));
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${listenHost.includes(':') ? `[${listenHost}]` : listenHost}:${port}`;
  deps.logger.info({ url, database: deps.database.kind, location: deps.database.location }, 'Music Time Machine is listening');
  if (!config.isProduction && config.logLevel !== 'silent') process.stderr.write(`\nMusic Time Machine is running at ${url}\n\n`);
  return { app, deps, url, stop, stopped, demoSeeded: demoSeed.done };
}

/**
 * Listens on HOST:PORT. The production default `::` (every IPv6 and IPv4 address) does not exist
 * on a host with IPv6 disabled; there the app listens on 0.0.0.0 instead of failing to start.
 */
async function listen(app: FastifyInstance, config: Config, deps: Deps): Promise<string> {
  try {
    await app.listen({ host: config.host, port: config.port });
    return config.host;
  } catch (error) {
    if (config.host !== '::' || (error as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT') throw error;
    deps.logger.warn('IPv6 is not available on this host; listening on 0.0.0.0 (IPv4) only');
    await app.listen({ host: '0.0.0.0', port: config.port });
    return '0.0.0.0';
  }
}

async function readyApp(building: Promise<FastifyInstance>): Promise<FastifyInstance> {
  const app = await building;
  try {
    await app.ready();
  } catch (error) {
    await app.close().catch(() => {});
    throw error;
  }
  return app;
}

interface AppModules {
  createDeps: typeof import('./deps.js').createDeps;
  buildApp: typeof import('./app.js').buildApp;
  demoSeed: typeof import('./services/demo-seed.js');
}

async function loadAppModules(): Promise<AppModules> {
  const [{ createDeps }, { buildApp }, demoSeed] = await Promise.all([import('./deps.js'), import('./app.js'), import('./services/demo-seed.js')]);
  return { createDeps, buildApp, demoSeed };
}

/** Demo mode: a year of daily history for the demo listeners, written in the background. */
function startDemoSeed(deps: Deps, { connectDemoListeners, seedDemoHistory }: AppModules['demoSeed']): { done: Promise<void>; stop(): Promise<void> } {
  const fake = deps.spotify.fake;
  if (!fake) return { done: Promise.resolve(), stop: async () => {} };
  const abort = new AbortController();
  const started = Date.now();
  const listeners = fake.users();
  const done = connectDemoListeners({ db: deps.database.db, cipher: deps.tokenCipher, clock: deps.clock }, listeners, (id) => fake.issueTokens(id))
    .then(() =>
      seedDemoHistory(deps.database.db, { listeners, topTracks: fake.topTrackObjects }, { today: toIsoDate(deps.clock.now()), days: 365, signal: abort.signal }),
    )
    .then(
    (result) => deps.logger.info({ ...result, ms: Date.now() - started }, 'demo history ready'),
    (error: unknown) => deps.logger.error({ err: error }, 'demo history could not be written'),
  );
  return {
    done,
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

/** Prints a start-up failure as one readable message (no stack for expected problems). */
export function reportFatal(error: unknown): void {
  if (error instanceof AppError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`Music Time Machine could not start: ${errorMessage(error)}\n${(error as Error)?.stack ?? ''}\n`);
}

/** The process's server: configuration from the environment (and .env), started, run until stopped. */
export async function main(): Promise<void> {
  try {
    // Started by npm (`npm start`) or npx: see StartOptions.stopWhenOrphaned.
    const underNpm = process.env.npm_lifecycle_event !== undefined || process.env.npm_command !== undefined;
    const server = await startServer(loadRuntimeConfig(environmentWithFile(process.env)), { stopWhenOrphaned: underNpm });
    process.exitCode = await server.stopped;
  } catch (error) {
    reportFatal(error);
    process.exitCode = 1;
  }
}

// `node --import tsx src/main.ts` (npm run dev, the Dockerfile); `npm start` goes through bin/start.mjs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
