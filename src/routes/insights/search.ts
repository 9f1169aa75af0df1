import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyPluginAsync } from 'fastify';
import type { Static } from 'typebox';
import type { Deps } from '../../deps.js';
import { format } from '../../lib/format.js';
import { searchArchive, type SearchAnswer } from '../../services/search.js';
import { contract } from '../contracts.js';
import { currentUserId, requireUser } from '../plugins/session.js';
import { respond } from '../respond.js';
import { SearchJson, SearchQuery } from './schemas.js';

const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

/**
 * GET /search?q=: the user's tracks by name, artist or album. The whole page for a browser;
 * only the results list for htmx's search-as-you-type (HX-Request), which swaps it in place;
 * JSON at the same URL.
 */
export function searchRoutes(deps: Deps): FastifyPluginAsync {
  // The results partial without the layout (@fastify/view applies its layout to every view).
  const partials = new Eta({ views: VIEWS_DIR, cache: deps.config.isProduction });
  return async (app) => {
    const schema = contract({ querystring: SearchQuery, json: SearchJson });
    app.get<{ Querystring: Static<typeof SearchQuery> }>('/search', { preHandler: requireUser, schema }, async (request, reply) => {
      const q = (request.query.q ?? '').trim();
      const answer: SearchAnswer = q === '' ? { q, mode: 'none', results: [] } : await searchArchive(deps.database.db, currentUserId(request), q);
      const data = { title: 'Search · Music Time Machine', answer, format };
      if (request.headers['hx-request'] === 'true' && request.headers['hx-boosted'] !== 'true') {
        return reply.type('text/html; charset=utf-8').send(await partials.renderAsync('insights/search-results', data));
      }
      return respond(request, reply, 'insights/search.eta', data, answer);
    });
  };
}
