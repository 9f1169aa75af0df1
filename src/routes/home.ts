import type { FastifyPluginAsync } from 'fastify';
import type { Deps } from '../deps.js';

export function homeRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    app.get('/', async (_request, reply) =>
      reply.view('home.eta', {
        title: 'Music Time Machine',
        engine: deps.database.kind === 'embedded' ? 'the embedded database' : 'PostgreSQL',
        demoMode: deps.config.demoMode,
      }),
    );
  };
}
