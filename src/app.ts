import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { asDatabaseUnavailable } from './db/connection-errors.js';
import type { Deps } from './deps.js';
import { AppError, errorMessage } from './lib/errors.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes } from './routes/auth.js';
import { demoSpotifyRoutes } from './routes/demo-spotify.js';
import { aboutRoutes } from './routes/about.js';
import { recordRoutes } from './routes/contracts.js';
import { homeRoutes } from './routes/home.js';
import { insightRoutes } from './routes/insights/index.js';
import { playlistRoutes } from './routes/playlists.js';
import { settingsRoutes } from './routes/settings.js';
import { settingsImportRoutes } from './routes/settings-import.js';
import { snapshotRoutes } from './routes/snapshots.js';
import { captureAfterLogin } from './services/capture-runs.js';
import { protectionPlugin } from './routes/plugins/protection.js';
import { sessionPlugin } from './routes/plugins/session.js';
import { wantsJson } from './routes/respond.js';

const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
/** htmx is served from its npm package (pinned in package-lock), not copied into public/. */
const HTMX_DIR = dirname(createRequire(import.meta.url).resolve('htmx.org/dist/htmx.min.js'));

/** Builds the Fastify app from its dependencies; does not listen (tests use inject()). */
export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Behind Railway's (or any) proxy: trust X-Forwarded-* for protocol and client address.
    trustProxy: deps.config.isProduction,
  });

  // First, so every route registered below is recorded with its schema (route contracts test).
  recordRoutes(app);

  // Headers and rate limits first: they apply to every route registered after them, errors included.
  await app.register(protectionPlugin(deps));
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/' });
  // htmx from its npm package (pinned in package.json), so no copy of it lives in the tree.
  await app.register(fastifyStatic, { root: HTMX_DIR, prefix: '/static/vendor/', decorateReply: false, allowedPath: (path) => path === '/htmx.min.js' });
  await app.register(fastifyView, {
    engine: { eta: new Eta({ cache: deps.config.isProduction }) },
    root: VIEWS_DIR,
    layout: 'layout.eta',
    production: deps.config.isProduction,
  });

  // Every text answer leaves as one Buffer: Node writes a long string to a socket with far more
  // CPU than the same bytes as a Buffer (an 82 KB page: ~1 ms more per request on a 2-core
  // machine, most of it in the kernel; `npx tsx bench/page-cpu.ts` shows the app's CPU per page).
  app.addHook('onSend', async (_request, _reply, payload) => (typeof payload === 'string' && payload.length > 1024 ? Buffer.from(payload) : payload));

  app.setErrorHandler((error: FastifyError, request, reply) => renderError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    renderError(new AppError('not_found', 404, `Nothing here at ${request.url}.`), request, reply),
  );

  await app.register(sessionPlugin(deps));
  await app.register(healthRoutes(deps));
  // The first login captures at once so the pages are never empty (a failure is recorded in the
  // capture status and retried by the schedule; it does not fail the login).
  await app.register(authRoutes(deps, { afterLogin: async (userId) => void (await captureAfterLogin(deps.capture, userId)) }));
  await app.register(demoSpotifyRoutes(deps));
  await app.register(homeRoutes(deps));
  await app.register(snapshotRoutes(deps));
  await app.register(settingsRoutes(deps));
  await app.register(settingsImportRoutes(deps));
  await app.register(insightRoutes(deps));
  await app.register(playlistRoutes(deps));
  await app.register(aboutRoutes(deps));
  return app;
}

/**
 * The one place errors become responses. Our AppErrors and Fastify's own 4xx (bad JSON, schema
 * validation) show their message; anything else is a 500 whose details stay in the log. A lost
 * or refused database connection, wherever it surfaced (a page's query, the session lookup), is
 * a 503 "database unavailable" with Retry-After (see db/connection-errors.ts).
 */
function renderError(raw: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  const outage = asDatabaseUnavailable(raw);
  const error = outage ?? raw;
  const status = errorStatus(error);
  const code = error instanceof AppError ? error.code : status >= 500 ? 'internal_error' : (error.code ?? 'bad_request');
  const message = status >= 500 && !outage ? 'Something went wrong on our side. It has been logged; please try again.' : error.message;
  if (outage) {
    // Expected while the database is away, and one per request: the reason, without a stack.
    request.log.warn({ reason: errorMessage(outage.cause ?? raw) }, 'database unavailable');
    reply.header('retry-after', String(outage.retryAfterSeconds));
  } else if (status >= 500) {
    request.log.error({ err: error }, 'request failed');
  }

  reply.code(status);
  if (wantsJson(request)) return reply.send({ error: { code, message } });
  const back = request.routeOptions.config?.errorBack;
  return reply.view('error.eta', {
    title: `${status} · Music Time Machine`,
    heading: outage ? 'Database unavailable' : headingFor(status),
    message,
    ...(back && { backHref: back.href, backLabel: back.label }),
  });
}

function errorStatus(error: FastifyError | AppError): number {
  if (error instanceof AppError) return error.status;
  if ((error as FastifyError).validation) return 400;
  const status = (error as FastifyError).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}


function headingFor(status: number): string {
  if (status === 404) return 'Page not found';
  if (status === 403) return 'Not allowed';
  if (status === 429) return 'Slow down';
  if (status >= 500) return 'Something went wrong';
  return 'That did not work';
}
