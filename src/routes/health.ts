import type { FastifyPluginAsync } from 'fastify';
import { isConnectionError } from '../db/connection-errors.js';
import { pingDatabase } from '../db/database.js';
import { listAppliedMigrationNames, listMigrationNames } from '../db/migrate.js';
import Type from 'typebox';
import type { Deps } from '../deps.js';
import { contract, ErrorBody } from './contracts.js';

const Health = Type.Object({
  status: Type.String(),
  database: Type.String(),
  engine: Type.String(),
  migrations: Type.Union([Type.Null(), Type.Object({ applied: Type.Integer(), pending: Type.Integer(), latest: Type.Union([Type.String(), Type.Null()]) })]),
});

/**
 * GET /healthz for load balancers, Railway's deploy check and `mtm smoke`:
 * 200 when the database answers and every migration this code ships is applied, else 503.
 */
export function healthRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    const shipped = await listMigrationNames();

    // A 503 is the health report, or the app's error body when the session lookup (which runs
    // before the route, for a browser with a cookie) already found the database gone.
    app.get('/healthz', { logLevel: 'warn', schema: contract({ json: Health, more: { 503: Type.Union([Health, ErrorBody]) } }) }, async (_request, reply) => {
      const engine = deps.database.kind;
      const db = deps.database.db;
      const unreachable = () => reply.code(503).send({ status: 'unavailable', database: 'unreachable', engine, migrations: null });
      // During an outage the ping fails at once (the pool's breaker, or a refused connection).
      if (!(await pingDatabase(db))) return unreachable();
      let appliedNames: string[];
      try {
        appliedNames = await listAppliedMigrationNames(db);
      } catch (error) {
        // The connection went between the ping and this query.
        if (isConnectionError(error)) return unreachable();
        throw error;
      }
      const applied = new Set(appliedNames);
      const pending = shipped.filter((name) => !applied.has(name));
      const migrations = { applied: applied.size, pending: pending.length, latest: [...applied].sort().at(-1) ?? null };
      if (pending.length > 0) {
        return reply.code(503).send({ status: 'migrations_pending', database: 'ok', engine, migrations });
      }
      return { status: 'ok', database: 'ok', engine, migrations };
    });
  };
}
