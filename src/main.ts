import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { migrateToLatest } from './db/migrate.js';
import { createDeps, type Deps } from './deps.js';
import { toIsoDate } from './lib/dates.js';
import { environmentWithFile } from './lib/env-file.js';
import { connectDemoListeners, seedDemoHistory } from './services/demo-seed.js';
import { AppError, errorMessage } from './lib/errors.js';
import { loadRuntimeConfig } from './runtime-config.js';

/** How long a shutdown may take before in-flight requests are cut off. */
const SHUTDOWN_GRACE_MS = 10_000;

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

/** config -> deps -> migrate -> app -> listen, with graceful shutdown on SIGTERM/SIGINT. */
export async function startServer(config: Config, options: { handleSignals?: boolean } = {}): Promise<RunningServer> {
  const deps = await createDeps(config);
  let app: FastifyInstance;
  try {
    const { applied } = await migrateToLatest(deps.database.db);
    if (applied.length) deps.logger.info({ applied }, 'applied database migrations');
    // Scheduled captures (SNAPSHOT_CRON); stopped by deps.close() in the graceful shutdown.
    await deps.jobs.start();
    app = await buildApp(deps);
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await deps.close();
    throw error;
  }

  const demoSeed = startDemoSeed(deps);

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
        await app.close();
        await deps.close();
        deps.logger.info('stopped');
      } finally {
        clearTimeout(force);
        resolveStopped(0);
      }
    })());

  if (options.handleSignals ?? true) {
    // `npm start` relays a terminal's signal, so the same SIGTERM/SIGINT can arrive two or three
    // times: only the first starts the shutdown; repeats must not kill the process mid-way.
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      deps.logger.info({ signal }, 'shutting down');
      void stop().then(() => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }

  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  deps.logger.info({ url, database: deps.database.kind, location: deps.database.location }, 'Music Time Machine is listening');
  if (!config.isProduction && config.logLevel !== 'silent') process.stderr.write(`\nMusic Time Machine is running at ${url}\n\n`);
  return { app, deps, url, stop, stopped, demoSeeded: demoSeed.done };
}

/** Demo mode: a year of daily history for the demo listeners, written in the background. */
function startDemoSeed(deps: Deps): { done: Promise<void>; stop(): Promise<void> } {
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const server = await startServer(loadRuntimeConfig(environmentWithFile(process.env)));
    process.exitCode = await server.stopped;
  } catch (error) {
    reportFatal(error);
    process.exitCode = 1;
  }
}
