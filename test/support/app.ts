import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Env } from '../../src/config.js';
import type { Database } from '../../src/db/database.js';
import { createDeps, type Deps, type DepsOverrides } from '../../src/deps.js';
import { createLogger } from '../../src/lib/logger.js';

/** The real app over a test database, for Fastify inject(). Closing it leaves the database open. */
export async function buildTestApp(
  database: Database,
  env: Env = {},
  overrides: Omit<DepsOverrides, 'database'> = {},
): Promise<{ app: FastifyInstance; deps: Deps }> {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const deps = await createDeps(config, { logger: createLogger('silent'), ...overrides, database });
  const app = await buildApp(deps);
  return { app, deps };
}
